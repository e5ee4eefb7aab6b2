export type { ConformanceHarness } from './harness.js';
export { describeTransportConformance } from './conformance.js';
