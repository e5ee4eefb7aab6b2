/**
 * A small benchmark harness built for a noisy shared machine: cases of one suite run interleaved
 * (A, B, C, then B, C, A, ...) for several rounds, each case's figure is the median of its rounds,
 * and every case is reported as a ratio to the suite's reference case measured in the same run:
 * the median of its per-round ratios, each taken between samples measured seconds apart, so that
 * the machine's slow swings (minutes of contention) cancel out instead of skewing one side.
 */

/** One measured thing. */
export interface BenchCase {
  readonly name: string;
  /** Operations one `run()` performs (a batch of 1000 calls counts 1000). */
  readonly ops: number;
  run(): Promise<void> | void;
}

/** Cases compared with each other. */
export interface BenchSuite {
  readonly title: string;
  /** The case ratios are computed against. */
  readonly reference: string;
  readonly cases: readonly BenchCase[];
  /** A target to print beside the ratios, e.g. "agentmesh >= 1.5x moleculer". */
  readonly target?: string;
  readonly teardown?: () => Promise<void> | void;
}

/** One case's result. */
export interface CaseResult {
  readonly name: string;
  readonly opsPerSec: number;
  readonly nsPerOp: number;
  readonly ratio: number;
  readonly spread: number;
}

export interface SuiteResult {
  readonly title: string;
  readonly reference: string;
  readonly target: string | undefined;
  readonly cases: readonly CaseResult[];
}

export interface RunOptions {
  readonly rounds: number;
  readonly minTimeMs: number;
  readonly warmupMs: number;
}

async function measure(c: BenchCase, minTimeMs: number): Promise<number> {
  let ops = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(minTimeMs) * 1_000_000n;
  let elapsed = 0n;
  do {
    await c.run();
    ops += c.ops;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return ops / (Number(elapsed) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs one suite and returns medians and ratios. */
export async function runSuite(suite: BenchSuite, options: RunOptions): Promise<SuiteResult> {
  const samples = new Map<string, number[]>(suite.cases.map((c) => [c.name, []]));
  for (const c of suite.cases) await measure(c, options.warmupMs);
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < suite.cases.length; i++) {
      const c = suite.cases[(i + round) % suite.cases.length]!;
      samples.get(c.name)!.push(await measure(c, options.minTimeMs));
    }
  }
  await suite.teardown?.();
  const medians = new Map([...samples].map(([name, values]) => [name, median(values)]));
  const reference = samples.get(suite.reference);
  if (reference === undefined) throw new Error(`suite "${suite.title}" has no case named "${suite.reference}"`);
  return {
    title: suite.title,
    reference: suite.reference,
    target: suite.target,
    cases: suite.cases.map((c) => {
      const values = samples.get(c.name)!;
      const m = medians.get(c.name)!;
      return {
        name: c.name,
        opsPerSec: m,
        nsPerOp: 1e9 / m,
        ratio: median(values.map((v, round) => v / reference[round]!)),
        spread: (Math.max(...values) - Math.min(...values)) / m,
      };
    }),
  };
}

function formatOps(ops: number): string {
  if (ops >= 1e6) return `${(ops / 1e6).toFixed(2)} M/s`;
  if (ops >= 1e3) return `${(ops / 1e3).toFixed(1)} k/s`;
  return `${ops.toFixed(0)} /s`;
}

function formatNs(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

/** A markdown table of one suite's results. */
export function toMarkdown(result: SuiteResult): string {
  const lines = [
    `### ${result.title}`,
    '',
    ...(result.target === undefined ? [] : [`Target: ${result.target}`, '']),
    `| case | throughput | per op | vs ${result.reference} | spread |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...result.cases.map(
      (c) => `| ${c.name} | ${formatOps(c.opsPerSec)} | ${formatNs(c.nsPerOp)} | ${c.ratio.toFixed(2)}x | ±${((c.spread * 100) / 2).toFixed(0)}% |`,
    ),
    '',
  ];
  return lines.join('\n');
}
