import type { Call, Message, Middleware } from '@agentmesh/core';
import { integerOption } from '../internal/validate.js';
import { TargetRecorder, type TargetLatency } from './target-latency.js';

/** Most targets tracked one by one. */
export const DEFAULT_MAX_TARGETS = 1_000;
/** The entry under which calls to targets beyond `maxTargets` are counted. */
export const OTHER_TARGETS = '*';

/** Options for {@link latencyStats}. */
export interface LatencyStatsOptions {
  /** Monotonic time in milliseconds. @default performance.now (looked up on each call, so fake timers apply) */
  readonly now?: () => number;
  /**
   * Most targets tracked one by one, so memory stays fixed; calls to further targets are counted
   * together under {@link OTHER_TARGETS}. @default DEFAULT_MAX_TARGETS (1000)
   */
  readonly maxTargets?: number;
}

/** What {@link LatencyStats.snapshot} returns: plain JSON. */
export interface LatencySnapshot {
  /** Per target agent. */
  readonly targets: Readonly<Record<string, TargetLatency>>;
  /** Every target together. */
  readonly total: TargetLatency;
}

/** The {@link latencyStats} middleware, with its figures. */
export interface LatencyStats extends Middleware {
  /** Per-target count, errors, in flight, min/mean/p50/p95/p99/max, as plain JSON. */
  snapshot(): LatencySnapshot;
  /** Forgets completed calls (calls in flight stay counted). */
  reset(): void;
}

const performanceNow = (): number => performance.now();

/**
 * Middleware that measures every call as its caller sees it (all the middleware inside it, the
 * transport and the handler), per target agent, in fixed memory. Add it first to measure the
 * whole call, retries included; add it last to measure single attempts.
 */
export function latencyStats(options: LatencyStatsOptions = {}): LatencyStats {
  const now = options.now ?? performanceNow;
  const maxTargets = integerOption(options.maxTargets ?? DEFAULT_MAX_TARGETS, 'maxTargets', 1, false);
  const targets = new Map<string, TargetRecorder>();
  let named = 0;

  const recorderFor = (to: string): TargetRecorder => {
    let recorder = targets.get(to);
    if (recorder !== undefined) return recorder;
    let name = OTHER_TARGETS;
    if (named < maxTargets) {
      named++;
      name = to;
    } else {
      recorder = targets.get(OTHER_TARGETS);
      if (recorder !== undefined) return recorder;
    }
    targets.set(name, (recorder = new TargetRecorder()));
    return recorder;
  };

  const middleware = (call: Call, next: (call: Call) => Promise<Message>): Promise<Message> => {
    const recorder = recorderFor(call.to);
    recorder.inFlight++;
    const start = now();
    let reply: Promise<Message>;
    try {
      reply = next(call);
    } catch (error) {
      recorder.failed(now() - start, error);
      return Promise.reject(error);
    }
    return reply.then(
      (message) => {
        recorder.succeeded(now() - start);
        return message;
      },
      (error: unknown) => {
        recorder.failed(now() - start, error);
        throw error;
      },
    );
  };

  const snapshot = (): LatencySnapshot => {
    const total = new TargetRecorder();
    const out: [string, TargetLatency][] = [];
    for (const [name, recorder] of targets) {
      total.add(recorder);
      out.push([name, recorder.toJSON()]);
    }
    return { targets: Object.fromEntries(out), total: total.toJSON() };
  };

  const reset = (): void => {
    for (const [name, recorder] of targets) {
      if (recorder.inFlight > 0) {
        recorder.reset();
        continue;
      }
      targets.delete(name);
      if (name !== OTHER_TARGETS) named--;
    }
  };

  return Object.assign(middleware, { snapshot, reset });
}
