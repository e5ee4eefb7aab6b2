import { afterEach, beforeEach, describe } from 'vitest';
import type { ConformanceHarness } from './harness.js';
import { callConformance } from './calls.conformance.js';
import { eventConformance } from './events.conformance.js';
import { lifecycleConformance } from './lifecycle.conformance.js';
import { timingConformance } from './timing.conformance.js';
import { World } from './world.js';

/**
 * Registers the transport conformance suite with vitest: every behaviour the mesh promises, run
 * over the transport under test. A transport package calls it from one of its test files:
 *
 * ```ts
 * describeTransportConformance('nats', () => ({ connect: () => new NatsTransport({ servers }) }));
 * ```
 */
export function describeTransportConformance(
  name: string,
  setup: () => ConformanceHarness | Promise<ConformanceHarness>,
): void {
  describe(`transport conformance: ${name}`, () => {
    const state: { world: World | undefined } = { world: undefined };
    const world = (): World => {
      if (state.world === undefined) throw new Error('conformance world used outside a test');
      return state.world;
    };
    beforeEach(async () => {
      state.world = new World(await setup());
    });
    afterEach(async () => {
      await state.world?.close();
      state.world = undefined;
    });
    callConformance(world);
    timingConformance(world);
    eventConformance(world);
    lifecycleConformance(world);
  });
}
