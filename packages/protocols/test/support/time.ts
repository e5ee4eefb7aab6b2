import { afterEach, beforeEach, expect, vi } from 'vitest';
import type { RequestContext } from '@agentmesh/core';

/** Runs every test of the enclosing describe on vitest's fake timers. */
export function useFakeTime(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/**
 * The guide's bug 10: a call made from inside a handler must continue the caller's context (one
 * hop deeper, same deadline, same trace), never start a fresh one.
 */
export function expectContinuedContext(inner: RequestContext | undefined, outer: RequestContext | undefined): void {
  expect(inner?.depth).toBe((outer?.depth ?? Number.NaN) + 1);
  expect(inner?.deadline).toBeDefined();
  expect(inner?.deadline).toBe(outer?.deadline);
  expect(inner?.traceId).toBe(outer?.traceId);
}
