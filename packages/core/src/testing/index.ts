export type { ConformanceHarness } from './harness.js';
export { describeTransportConformance } from './conformance.js';
export { deferred, type Deferred } from './deferred.js';
