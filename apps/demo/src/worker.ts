import { createMesh } from '@agentmesh/core';
import { NatsTransport } from '@agentmesh/nats';
import { hostSpecialists, type SpecialistGroup } from './scenario/specialists.js';

// A worker process of `--transport nats`: hosts one group of specialists until told to stop.
const arg = (name: string): string => {
  const i = process.argv.indexOf(name);
  const value = process.argv[i + 1];
  if (i < 0 || value === undefined) throw new Error(`worker needs ${name}`);
  return value;
};
const group = arg('--group') as SpecialistGroup;
const mesh = createMesh({ transport: new NatsTransport({ servers: arg('--nats-url'), prefix: arg('--prefix') }), defaultTimeoutMs: 10_000 });
await hostSpecialists(mesh, [group], Number(arg('--seed')));
process.stdout.write(`ready ${group}\n`);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  mesh.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// The parent holds our stdin open: when it goes away (killed, crashed), so do we, rather than
// serving on as an orphan.
process.stdin.once('end', stop);
process.stdin.once('error', stop);
process.stdin.resume();
