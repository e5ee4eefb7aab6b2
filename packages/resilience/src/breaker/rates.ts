/** Validated thresholds of a sliding window. */
export interface RateSettings {
  readonly failureRateThreshold: number;
  readonly minimumCalls: number;
  readonly slowCallDurationMs: number | undefined;
  readonly slowCallRateThreshold: number;
}

const percent = (x: number): string => `${Math.round(x * 1000) / 10}%`;

/** Why a window with these counts must open the breaker, or undefined. */
export function rateVerdict(calls: number, failures: number, slow: number, settings: RateSettings): string | undefined {
  if (calls < settings.minimumCalls || calls === 0) return undefined;
  const failureRate = failures / calls;
  if (failureRate >= settings.failureRateThreshold) {
    return `failure rate ${percent(failureRate)} >= ${percent(settings.failureRateThreshold)} over ${calls} calls`;
  }
  if (settings.slowCallDurationMs !== undefined) {
    const slowRate = slow / calls;
    if (slowRate >= settings.slowCallRateThreshold) {
      return `slow-call rate ${percent(slowRate)} >= ${percent(settings.slowCallRateThreshold)} over ${calls} calls`;
    }
  }
  return undefined;
}
