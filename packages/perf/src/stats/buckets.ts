/**
 * The bucket layout of {@link LatencyHistogram}, HDR-style log-linear: durations are counted in
 * whole microseconds; 0–127 µs get one bucket each, and every power of two above gets 64 equal
 * buckets. A bucket is never wider than 1/64 of its lower bound, so a value read back from a
 * bucket is at most 1.6% (or 1 µs) above the true value, with fixed memory for 0 µs to 71 minutes.
 */

const PRECISION_BITS = 7;
const LINEAR = 1 << PRECISION_BITS; // 128 one-microsecond buckets
const PER_OCTAVE_SHIFT = PRECISION_BITS - 1;
const PER_OCTAVE = 1 << PER_OCTAVE_SHIFT; // 64 buckets per power of two

/** Largest trackable value, in microseconds (2^32 - 1, about 71.6 minutes). */
export const MAX_TRACKABLE_US = 0xffff_ffff;
/** Largest trackable value, in milliseconds; longer durations count as this. */
export const MAX_TRACKABLE_MS = MAX_TRACKABLE_US / 1000;
/** Number of buckets: the index of the largest trackable value, plus one. */
export const BUCKET_COUNT = bucketOf(MAX_TRACKABLE_US) + 1;

/** The bucket of a whole number of microseconds in [0, 2^32). */
export function bucketOf(us: number): number {
  if (us < LINEAR) return us;
  const shift = 31 - Math.clz32(us) - PER_OCTAVE_SHIFT;
  return (shift << PER_OCTAVE_SHIFT) + (us >>> shift);
}

/** The exclusive upper bound of a bucket, in microseconds: every value in it is below this. */
export function bucketEndUs(index: number): number {
  if (index < LINEAR) return index + 1;
  const shift = (index >>> PER_OCTAVE_SHIFT) - 1;
  const sub = index - shift * PER_OCTAVE;
  return (sub + 1) * 2 ** shift;
}
