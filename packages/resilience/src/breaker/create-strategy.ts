import type { Clock } from '@agentmesh/core';
import { integerAtLeast, invalidOption, positiveMs, rate } from '../internal/validate.js';
import { ConsecutiveFailures } from './consecutive.js';
import { CountWindow } from './count-window.js';
import type { RateSettings } from './rates.js';
import {
  DEFAULT_FAILURE_RATE_THRESHOLD,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_MINIMUM_CALLS,
  DEFAULT_SLOW_CALL_RATE_THRESHOLD,
  DEFAULT_WINDOW_BUCKETS,
  DEFAULT_WINDOW_MS,
  DEFAULT_WINDOW_SIZE,
  type BreakerStrategyOptions,
  type Strategy,
  type WindowRateOptions,
} from './strategy.js';
import { TimeWindow } from './time-window.js';

/** The default strategy: open after 5 consecutive failures. */
export const DEFAULT_STRATEGY: BreakerStrategyOptions = Object.freeze({ kind: 'consecutive', failureThreshold: DEFAULT_FAILURE_THRESHOLD });

/** Validates strategy options (INVALID_ARGUMENT on bad ones) and builds the strategy. */
export function createStrategy(options: BreakerStrategyOptions, clock: Clock): Strategy {
  if (typeof options !== 'object' || options === null) throw invalidOption('strategy must be an object');
  switch (options.kind) {
    case 'consecutive':
      return new ConsecutiveFailures(integerAtLeast(options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD, 'strategy.failureThreshold', 1));
    case 'count': {
      const size = integerAtLeast(options.size ?? DEFAULT_WINDOW_SIZE, 'strategy.size', 1);
      const settings = rateSettings(options, Math.min(DEFAULT_MINIMUM_CALLS, size));
      if (settings.minimumCalls > size) throw invalidOption(`strategy.minimumCalls (${settings.minimumCalls}) must be <= strategy.size (${size})`);
      return new CountWindow(size, settings);
    }
    case 'time': {
      const windowMs = positiveMs(options.windowMs ?? DEFAULT_WINDOW_MS, 'strategy.windowMs');
      const buckets = integerAtLeast(options.buckets ?? DEFAULT_WINDOW_BUCKETS, 'strategy.buckets', 1);
      return new TimeWindow(windowMs, buckets, rateSettings(options, DEFAULT_MINIMUM_CALLS), clock);
    }
    default:
      throw invalidOption(`strategy.kind must be "consecutive", "count" or "time", got ${JSON.stringify((options as { kind?: unknown }).kind)}`);
  }
}

function rateSettings(options: WindowRateOptions, defaultMinimumCalls: number): RateSettings {
  return {
    failureRateThreshold: rate(options.failureRateThreshold ?? DEFAULT_FAILURE_RATE_THRESHOLD, 'strategy.failureRateThreshold'),
    minimumCalls: integerAtLeast(options.minimumCalls ?? defaultMinimumCalls, 'strategy.minimumCalls', 1),
    slowCallDurationMs: options.slowCallDurationMs === undefined ? undefined : positiveMs(options.slowCallDurationMs, 'strategy.slowCallDurationMs'),
    slowCallRateThreshold: rate(options.slowCallRateThreshold ?? DEFAULT_SLOW_CALL_RATE_THRESHOLD, 'strategy.slowCallRateThreshold'),
  };
}
