import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSuite, toMarkdown, type BenchSuite, type SuiteResult } from './harness.js';

/**
 * `pnpm bench [filter...]`: runs every `suites/*.bench.ts` whose file name contains a filter (all
 * when none), prints markdown tables and writes them, with raw JSON, to `results/`.
 * Environment: BENCH_ROUNDS (default 7), BENCH_MIN_MS (default 250).
 */
const filters = process.argv.slice(2).filter((a) => a !== '--');
const options = {
  rounds: Number(process.env['BENCH_ROUNDS'] ?? 7),
  minTimeMs: Number(process.env['BENCH_MIN_MS'] ?? 250),
  warmupMs: 300,
};
const dir = join(import.meta.dirname, 'suites');
const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((x) => f.includes(x)))).sort();
const results: SuiteResult[] = [];
let markdown = `Node ${process.version}, ${new Date().toISOString()}, rounds=${options.rounds}, min ${options.minTimeMs} ms per sample\n\n`;
for (const file of files) {
  const module = (await import(join(dir, file))) as { default: () => Promise<BenchSuite[]> };
  for (const suite of await module.default()) {
    const result = await runSuite(suite, options);
    results.push(result);
    const table = toMarkdown(result);
    markdown += `${table}\n`;
    console.log(table);
  }
}
const out = join(import.meta.dirname, '..', 'results');
await mkdir(out, { recursive: true });
await writeFile(join(out, 'latest.md'), markdown);
await writeFile(join(out, 'latest.json'), JSON.stringify(results, null, 2));
process.exit(0);
