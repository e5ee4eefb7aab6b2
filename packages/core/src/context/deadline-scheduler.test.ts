import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clock } from './clock.js';
import { DeadlineScheduler } from './deadline-scheduler.js';

/** A manual clock: timers fire only when the test advances time. */
function manualClock(): Clock & { advance(ms: number): void; timers(): number } {
  let now = 1_000;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (next === undefined) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
    },
    timers: () => timers.size,
  };
}

describe('DeadlineScheduler', () => {
  it('expires entries at their deadline, never before, with one timer', () => {
    const clock = manualClock();
    const s = new DeadlineScheduler(clock);
    const fired: string[] = [];
    s.schedule(1_100, { onDeadline: () => fired.push('a') });
    s.schedule(1_050, { onDeadline: () => fired.push('b') });
    s.schedule(1_100, { onDeadline: () => fired.push('c') });
    expect(clock.timers()).toBe(1);
    clock.advance(49);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['b']);
    clock.advance(50);
    expect(fired.sort()).toEqual(['a', 'b', 'c']);
    expect(s.size).toBe(0);
    expect(clock.timers()).toBe(0);
  });

  it('never fires a cancelled entry, even one cancelled by a sibling expiring first', () => {
    const clock = manualClock();
    const s = new DeadlineScheduler(clock);
    const fired: string[] = [];
    const second = s.schedule(1_010, { onDeadline: () => fired.push('second') });
    s.schedule(1_010, { onDeadline: () => { fired.push('first'); s.cancel(second); } });
    clock.advance(10);
    expect(fired).toEqual(['first']);
    expect(s.size).toBe(0);
  });

  it('fires exactly the entries not cancelled, each once, in deadline order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.boolean()), { maxLength: 60 }), (plan) => {
        const clock = manualClock();
        const s = new DeadlineScheduler(clock);
        const fired: number[] = [];
        const entries = plan.map(([offset], i) => s.schedule(1_000 + offset, { onDeadline: () => fired.push(i) }));
        plan.forEach(([, cancel], i) => cancel && s.cancel(entries[i]!));
        clock.advance(600);
        const expected = plan.map(([offset, cancel], i) => ({ offset, cancel, i })).filter((x) => !x.cancel);
        expect([...fired].sort((a, b) => a - b)).toEqual(expected.map((x) => x.i));
        const times = fired.map((i) => plan[i]![0]);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(s.size).toBe(0);
      }),
    );
  });
});
