import { MeshError } from '@agentmesh/core';
import { LatencyHistogram, type LatencySummary } from './histogram.js';

/** One target's figures in a {@link LatencySnapshot}. */
export interface TargetLatency extends LatencySummary {
  /** Calls that failed (included in `count` and in the durations). */
  readonly errors: number;
  /** Failures by MeshError code (`OTHER` for anything else). */
  readonly errorsByCode: Readonly<Record<string, number>>;
  /** Calls started and not yet settled. */
  readonly inFlight: number;
}

/** The live counters of one target. */
export class TargetRecorder {
  readonly histogram = new LatencyHistogram();
  inFlight = 0;
  errors = 0;
  readonly errorsByCode = new Map<string, number>();

  succeeded(durationMs: number): void {
    this.inFlight--;
    this.histogram.record(durationMs);
  }

  failed(durationMs: number, error: unknown): void {
    this.inFlight--;
    this.histogram.record(durationMs);
    this.errors++;
    const code = MeshError.is(error) ? error.code : 'OTHER';
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
  }

  /** Adds another recorder's completed calls and in-flight count to this one (for totals). */
  add(other: TargetRecorder): void {
    this.histogram.merge(other.histogram);
    this.inFlight += other.inFlight;
    this.errors += other.errors;
    for (const [code, n] of other.errorsByCode) this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + n);
  }

  /** Forgets completed calls; calls in flight stay counted. */
  reset(): void {
    this.histogram.reset();
    this.errors = 0;
    this.errorsByCode.clear();
  }

  toJSON(): TargetLatency {
    return {
      ...this.histogram.toJSON(),
      errors: this.errors,
      errorsByCode: Object.fromEntries(this.errorsByCode),
      inFlight: this.inFlight,
    };
  }
}
