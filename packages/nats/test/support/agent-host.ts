import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A replica of the "worker" agent in a process of its own. It imports `@agentmesh/nats` by name,
 * which Node resolves (self-reference, cwd = the package) through the package's `exports` to the
 * built dist: exactly what a user's process runs. Environment: NATS_URL, PREFIX, REPLICA,
 * DELAY_MS. Prints "ready" once served; SIGTERM shuts down gracefully (the transport first, so it
 * leaves the queue group, then the mesh); stdin closing (the test process gone) exits.
 */
const source = `
import { createMesh, defineAgent } from '@agentmesh/core';
import { NatsTransport } from '@agentmesh/nats';

const replica = process.env.REPLICA;
const delayMs = Number(process.env.DELAY_MS);
const transport = await NatsTransport.connect({ servers: process.env.NATS_URL, prefix: process.env.PREFIX, name: 'replica-' + replica });
const mesh = createMesh({ transport });
await mesh.register(defineAgent({
  name: 'worker',
  capabilities: ['work'],
  handle: async (message) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { replica, echo: message.content };
  },
}));
process.stdout.write('ready\\n');
let closing;
process.on('SIGTERM', () => {
  closing ??= transport.close().then(() => mesh.close()).then(() => process.exit(0));
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Starts a replica process; resolves once it serves "worker". */
export async function startReplica(env: { NATS_URL: string; PREFIX: string; REPLICA: string; DELAY_MS: string }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '--eval', source], { cwd: packageRoot, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica ${env.REPLICA} did not start within 10 s`)), 10_000);
    const exited = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`replica ${env.REPLICA} exited with ${code}`));
    };
    child.once('exit', exited);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('ready')) return;
      clearTimeout(timer);
      child.off('exit', exited);
      resolve();
    });
  });
  return child;
}
