/**
 * The redelivery delay after a failed attempt: `baseMs * 2^(attempt-1)`, capped at `maxMs`, with
 * ±20% jitter so that a burst of failures does not come back as a burst.
 */
export function redeliveryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30));
  const capped = Math.min(exponential, maxMs);
  return Math.max(0, Math.round(capped * (0.8 + 0.4 * random())));
}
