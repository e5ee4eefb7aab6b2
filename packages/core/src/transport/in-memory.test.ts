import { describeTransportConformance } from '../testing/index.js';
import { InMemoryTransport } from './in-memory.js';

// The whole mesh behaviour suite, once with direct calls and once with every envelope
// round-tripped through JSON and ingress validation, as a network transport would.
for (const serialize of [false, true]) {
  describeTransportConformance(serialize ? 'in-memory (serialized)' : 'in-memory', () => {
    const shared = new InMemoryTransport({ serialize });
    return { connect: () => shared, fakeTime: true };
  });
}
