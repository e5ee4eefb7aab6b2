import { fork } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSuite, toMarkdown, type BenchSuite, type SuiteResult } from './harness.js';

/**
 * `pnpm bench [filter...]`: runs every `suites/*.bench.ts` whose file name contains a filter (all
 * when none), prints markdown tables and writes them, with raw JSON, to `results/`.
 * Environment: BENCH_ROUNDS (default 7), BENCH_MIN_MS (default 250).
 *
 * Each suite file runs in a process of its own: the cases it compares share that process, as
 * they must, but the JIT feedback, heap and loaded libraries of the other files do not leak into
 * its figures (a file run last in one shared process measured several percent slower).
 */
const options = {
  rounds: Number(process.env['BENCH_ROUNDS'] ?? 7),
  minTimeMs: Number(process.env['BENCH_MIN_MS'] ?? 250),
  warmupMs: 300,
};
const dir = join(import.meta.dirname, 'suites');
const only = process.env['BENCH_SUITE_FILE'];

if (only !== undefined) {
  // A child: run one file's suites and hand the results to the parent.
  const module = (await import(join(dir, only))) as { default: () => Promise<BenchSuite[]> };
  const results: SuiteResult[] = [];
  for (const suite of await module.default()) results.push(await runSuite(suite, options));
  process.send!(results, () => process.exit(0));
} else {
  const filters = process.argv.slice(2).filter((a) => a !== '--');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((x) => f.includes(x)))).sort();
  const results: SuiteResult[] = [];
  let markdown = `Node ${process.version}, ${new Date().toISOString()}, rounds=${options.rounds}, min ${options.minTimeMs} ms per sample, one process per suite file\n\n`;
  for (const file of files) {
    for (const result of await runFile(file)) {
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
}

/** Runs one suite file in a child process and resolves its results. */
function runFile(file: string): Promise<SuiteResult[]> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_SUITE_FILE: file }, stdio: 'inherit' });
    let results: SuiteResult[] | undefined;
    child.on('message', (message) => (results = message as SuiteResult[]));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (results !== undefined) resolve(results);
      else reject(new Error(`bench suite ${file} exited with code ${String(code)} before reporting`));
    });
  });
}
