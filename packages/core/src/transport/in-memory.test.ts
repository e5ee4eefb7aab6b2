import { describe, expect, it } from 'vitest';
import { createMesh } from '../mesh/mesh.js';
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

describe('InMemoryTransport (serialized)', () => {
  it('gives every subscriber its own copy of an event, as a network would', async () => {
    const mesh = createMesh({ transport: new InMemoryTransport({ serialize: true }) });
    const seen: unknown[] = [];
    await mesh.subscribe('order.placed', (m) => void ((m.content as { n: number }).n = 99)).ready;
    await mesh.subscribe('order.placed', (m) => void seen.push(m.content)).ready;
    await mesh.publish('order.placed', { content: { n: 1 } });
    expect(seen).toEqual([{ n: 1 }]);
    await mesh.close();
  });
});
