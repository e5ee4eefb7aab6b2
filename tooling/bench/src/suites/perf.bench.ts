import { Batcher, ConcurrencyLimiter, LatencyHistogram } from '@agentmesh/perf';
import DataLoader from 'dataloader';
import pLimit from 'p-limit';
import type { BenchSuite } from '../harness.js';

const LOADS = 1000;
const BATCH_SIZE = 100;
const TASKS = 1000;
const LIMIT = 10;
const SAMPLES = 4096;

/** The batch function both batchers call: one result per key, resolved asynchronously. */
const double = (keys: readonly number[]): Promise<number[]> => Promise.resolve(keys.map((k) => k * 2));

/** Batcher vs DataLoader, ConcurrencyLimiter vs p-limit, and the cost of one histogram record. */
export default async function perfSuites(): Promise<BenchSuite[]> {
  // DataLoader without its cache: the benchmark measures batching, which is all Batcher does.
  const loader = new DataLoader<number, number>(double, { maxBatchSize: BATCH_SIZE, cache: false });
  const batcher = new Batcher<number, number>({ process: double, maxBatchSize: BATCH_SIZE, concurrency: Infinity, maxQueue: Infinity });
  const batcherDefaults = new Batcher<number, number>({ process: double, maxBatchSize: BATCH_SIZE });
  const loads = (load: (key: number) => Promise<number>) => async () => {
    const pending = new Array<Promise<number>>(LOADS);
    for (let i = 0; i < LOADS; i++) pending[i] = load(i);
    await Promise.all(pending);
  };

  const limit = pLimit(LIMIT);
  // Defaults otherwise: a 30 s acquire timeout, so every queued task reads the clock once.
  const limiter = new ConcurrencyLimiter({ maxConcurrent: LIMIT, maxWaiting: Infinity });
  const untimed = new ConcurrencyLimiter({ maxConcurrent: LIMIT, maxWaiting: Infinity, acquireTimeoutMs: Infinity });
  const keyed = new ConcurrencyLimiter({ maxConcurrent: LIMIT, maxPerKey: LIMIT / 2, maxWaiting: Infinity });
  const task = (): Promise<number> => Promise.resolve(1);
  const tasks = (run: (i: number) => Promise<number>) => async () => {
    const pending = new Array<Promise<number>>(TASKS);
    for (let i = 0; i < TASKS; i++) pending[i] = run(i);
    await Promise.all(pending);
  };
  const targets = ['a', 'b', 'c', 'd'];

  const histogram = new LatencyHistogram();
  const samples = new Float64Array(SAMPLES);
  // Log-uniform durations from 10 µs to 10 s: every octave of the histogram gets hit.
  for (let i = 0; i < SAMPLES; i++) samples[i] = 0.01 * 10 ** (6 * Math.random());
  const naive: number[] = [];

  return [
    {
      title: `batching: ${LOADS} concurrent loads, batch ${BATCH_SIZE}`,
      reference: 'DataLoader (cache: false)',
      target: 'Batcher >= 1.0x DataLoader',
      cases: [
        { name: 'DataLoader (cache: false)', ops: LOADS, run: loads((k) => loader.load(k)) },
        { name: 'Batcher (concurrency Infinity)', ops: LOADS, run: loads((k) => batcher.add(k)) },
        { name: 'Batcher (defaults: concurrency 4)', ops: LOADS, run: loads((k) => batcherDefaults.add(k)) },
      ],
      teardown: async () => {
        await Promise.all([batcher.close(), batcherDefaults.close()]);
      },
    },
    {
      title: `concurrency limit: ${TASKS} concurrent tasks, limit ${LIMIT}`,
      reference: 'p-limit',
      target: 'ConcurrencyLimiter >= 2x p-limit',
      cases: [
        { name: 'p-limit', ops: TASKS, run: tasks(() => limit(task)) },
        { name: 'ConcurrencyLimiter.run', ops: TASKS, run: tasks(() => limiter.run(task)) },
        { name: 'ConcurrencyLimiter.run (no acquire timeout, as p-limit)', ops: TASKS, run: tasks(() => untimed.run(task)) },
        {
          name: 'ConcurrencyLimiter.run (4 keys, maxPerKey 5)',
          ops: TASKS,
          run: tasks((i) => keyed.run(task, { key: targets[i & 3]! })),
        },
      ],
      teardown: async () => {
        await Promise.all([limiter.close(), untimed.close(), keyed.close()]);
      },
    },
    {
      title: 'latency histogram: record one duration',
      reference: 'LatencyHistogram.record',
      target: 'record <= 100 ns',
      cases: [
        {
          name: 'LatencyHistogram.record',
          ops: SAMPLES,
          run: () => {
            for (let i = 0; i < SAMPLES; i++) histogram.record(samples[i]!);
          },
        },
        {
          name: 'Array.push (unbounded memory, for scale)',
          ops: SAMPLES,
          run: () => {
            if (naive.length > 1_000_000) naive.length = 0;
            for (let i = 0; i < SAMPLES; i++) naive.push(samples[i]!);
          },
        },
      ],
    },
  ];
}
