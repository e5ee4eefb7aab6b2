import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { describe, it } from 'vitest';

/** The NATS server the integration tests use (loopback only). */
export const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

const { hostname, port } = new URL(NATS_URL.includes('://') ? NATS_URL : `nats://${NATS_URL}`);
if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(hostname)) {
  throw new Error(`NATS_URL must point at a loopback address for tests, got ${NATS_URL}`);
}

function probe(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 4222) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True under CI (`CI` set and not "false"): integration tests must then run, never skip. */
export const isCI = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false';

/** Whether a NATS server answers at {@link NATS_URL}. */
export const natsAvailable = await probe();

/**
 * `describe` for tests that need the NATS server. Without one they skip with a message locally;
 * with CI set they fail instead, so a missing server can never pass as green.
 */
export function describeWithNats(name: string, body: () => void): void {
  if (natsAvailable) {
    describe(name, body);
    return;
  }
  if (isCI) {
    describe(name, () => {
      it('needs a NATS server', () => {
        throw new Error(`no NATS server at ${NATS_URL}: CI must run the NATS integration tests (start nats-server -js)`);
      });
    });
    return;
  }
  console.warn(`[@agentmesh/nats] skipping "${name}": no NATS server at ${NATS_URL} (start one with: nats-server -js)`);
  describe.skip(name, body);
}

/** A subject prefix of its own, so concurrent test runs never see each other. */
export function uniquePrefix(): string {
  return `t${randomBytes(6).toString('hex')}`;
}
