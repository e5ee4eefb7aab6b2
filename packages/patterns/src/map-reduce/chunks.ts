/**
 * Where each chunk starts: chunk `i` is `data.slice(bounds[i], bounds[i + 1])`, so the result has
 * one more entry than there are chunks. No chunk is ever empty. Without `chunkSize` the data is
 * split over at most `mappers` chunks whose sizes differ by at most one (2 items over 3 mappers is
 * 2 chunks of 1); with it, chunks are `chunkSize` long except possibly the last.
 */
export function chunkBounds(length: number, mappers: number, chunkSize: number | undefined): number[] {
  if (length === 0) return [0];
  if (chunkSize !== undefined) {
    const bounds: number[] = [];
    for (let start = 0; start < length; start += chunkSize) bounds.push(start);
    bounds.push(length);
    return bounds;
  }
  const count = Math.min(length, mappers);
  const base = Math.floor(length / count);
  const longer = length % count;
  const bounds = [0];
  let at = 0;
  for (let i = 0; i < count; i++) {
    at += i < longer ? base + 1 : base;
    bounds.push(at);
  }
  return bounds;
}
