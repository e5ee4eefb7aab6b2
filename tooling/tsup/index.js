import { defineConfig } from 'tsup';

/**
 * How every publishable package builds: ESM for Node 20 with .d.ts and source maps.
 * @param {string[]} [entry] entry points (default: src/index.ts)
 * @param {import('tsup').Options} [overrides]
 */
export function libraryConfig(entry = ['src/index.ts'], overrides = {}) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    ...overrides,
  });
}
