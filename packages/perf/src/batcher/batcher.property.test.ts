import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

describe('Batcher: properties', () => {
  it('every caller gets the result for its own item, once, whatever the sizes, timing and failures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 60 }),
        async (items, maxBatchSize, concurrency, gaps) => {
          const sent: number[] = [];
          let inFlight = 0;
          let peak = 0;
          const batcher = new Batcher<number, number>({
            maxBatchSize,
            concurrency,
            process: async (batch) => {
              expect(batch.length).toBeGreaterThan(0);
              expect(batch.length).toBeLessThanOrEqual(maxBatchSize);
              sent.push(...batch);
              peak = Math.max(peak, ++inFlight);
              await Promise.resolve();
              inFlight--;
              // Negative items fail alone; the rest map to a value that names their item.
              return batch.map((n) => (n < 0 ? new Error(`neg ${n}`) : n * 3 + 1));
            },
          });
          const calls: Promise<PromiseSettledResult<number>>[] = [];
          for (let i = 0; i < items.length; i++) {
            // Observe each outcome at once: a rejection may come before the loop ends.
            calls.push(
              batcher.add(items[i]!).then(
                (value) => ({ status: 'fulfilled', value }) as const,
                (reason: unknown) => ({ status: 'rejected', reason }) as const,
              ),
            );
            // Sometimes let the current tick end, so batches form at different points.
            if (gaps[i % gaps.length] === 0) await new Promise((resolve) => setImmediate(resolve));
          }
          const outcomes = await Promise.all(calls);
          outcomes.forEach((outcome, i) => {
            const item = items[i]!;
            if (item < 0) expect(outcome).toMatchObject({ status: 'rejected', reason: new Error(`neg ${item}`) });
            else expect(outcome).toEqual({ status: 'fulfilled', value: item * 3 + 1 });
          });
          expect(sent).toEqual(items);
          expect(peak).toBeLessThanOrEqual(concurrency);
          expect(batcher.stats()).toMatchObject({ waiting: 0, inFlightBatches: 0, itemsSent: items.length });
        },
      ),
      { numRuns: 150 },
    );
  });
});
