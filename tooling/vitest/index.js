import { defineConfig, mergeConfig } from 'vitest/config';

/**
 * The settings every package shares: tests beside the code (`src/**\/*.test.ts`), integration tests
 * under `test/`, type tests as `*.test-d.ts`, no globals, and a hard per-test timeout so a hung
 * promise fails loudly instead of stalling CI.
 */
const base = defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globals: false,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    restoreMocks: true,
    unstubEnvs: true,
    typecheck: {
      enabled: true,
      include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});

/** @param {import('vitest/config').UserConfig} [overrides] */
export function packageConfig(overrides = {}) {
  return mergeConfig(base, overrides);
}
