import { describeTransportConformance } from '@agentmesh/core/testing';
import { NatsTransport } from '../src/index.js';
import { describeWithNats, NATS_URL, uniquePrefix } from './support/nats.js';

describeWithNats('NatsTransport', () => {
  describeTransportConformance('nats', () => {
    const prefix = uniquePrefix();
    return {
      connect: () => NatsTransport.connect({ servers: NATS_URL, prefix }),
      fakeTime: false,
      leakIterations: 5_000,
    };
  });
});
