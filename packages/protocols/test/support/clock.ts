import { systemClock, type Clock, type TimerHandle } from '@agentmesh/core';

/** A clock over another (by default the possibly faked globals) that counts its live timers, for leak assertions. */
export interface CountingClock extends Clock {
  /** Timers set and neither fired nor cleared. */
  readonly liveTimers: number;
}

export function countingClock(base: Clock = systemClock): CountingClock {
  const live = new Set<TimerHandle>();
  return {
    now: () => base.now(),
    setTimeout(callback, ms) {
      const handle: TimerHandle = base.setTimeout(() => {
        live.delete(handle);
        callback();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      base.clearTimeout(handle);
    },
    get liveTimers() {
      return live.size;
    },
  };
}
