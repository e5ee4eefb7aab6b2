import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeskReport } from '../src/scenario/report.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

async function demo(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [cli, ...args], { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 });
}

function natsReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) || 4222 }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** The facts every run must show, whatever the transport. */
function expectEveryComponent(report: DeskReport): void {
  const rejected = report.handshakes.filter((h) => !h.accepted);
  expect(rejected.map((h) => h.peer)).toEqual(['legacy-notifier']);
  expect(rejected[0]!.reason).toMatch(/1\.x only/);
  expect(report.handshakes.filter((h) => h.accepted)).toHaveLength(8);
  expect(report.mapReduce.reassigned).toBeGreaterThan(0);
  expect(report.mapReduce.failedChunks).toBe(0);
  expect(report.mapReduce.lines).toBe(report.incidents * 240);
  expect(Object.keys(report.tickets).length).toBeGreaterThanOrEqual(2);
  expect(Object.values(report.tickets).reduce((a, b) => a + b, 0)).toBe(report.incidents);
  expect(report.batches.sizes.some((size) => size > 1)).toBe(true);
  expect(report.batches.sizes.reduce((a, b) => a + b, 0)).toBe(report.batches.classified);
  expect(report.pool.peakInFlight).toBe(2);
  expect(report.pool.calls).toBe(report.incidents * 6);
  const transitions = report.breaker.map((t) => `${t.from}>${t.to}`);
  expect(transitions).toContain('closed>open');
  expect(transitions.at(-1)).toBe('half-open>closed');
  expect(report.pages).toMatchObject({ sent: report.incidents, deadLettered: 2, delivered: report.incidents - 2 });
  expect(report.deadLetters).toHaveLength(2);
  expect(report.observers).toEqual({ dashboard: report.incidents * 3, audit: report.incidents * 3 });
  expect(report.postmortem.progressFrames).toBe(5);
  expect(report.latency.targets['vendor-api']?.count).toBeGreaterThanOrEqual(report.incidents * 6);
}

describe('the demo, end to end', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentmesh-demo-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs in-process, writes a trace and leaves replayable dead letters', async () => {
    const dlq = join(dir, 'memory-dlq');
    const trace = join(dir, 'trace.html');
    const { stdout, stderr } = await demo('--json', '--no-live', '--dlq', dlq, '--trace', trace);
    const report = JSON.parse(stdout) as DeskReport;
    expect(report.transport).toMatch(/in-process/);
    expectEveryComponent(report);
    expect(stderr).toContain('legacy-notifier speaks protocol 1.x only');

    const html = await readFile(trace, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    for (const participant of ['coordinator', 'analyzer-2', 'classifier', 'pager', 'vendor-api', 'postmortem', 'dashboard']) {
      expect(html).toContain(`>${participant}</text>`);
    }
    expect(html).toContain('CIRCUIT_OPEN');

    const listed = await demo('dlq', 'list', '--dlq', dlq);
    for (const d of report.deadLetters) expect(listed.stdout).toContain(d.id);
    const replayed = await demo('dlq', 'replay', '--all', '--dlq', dlq);
    expect(replayed.stdout).toContain('2 delivered, 0 failed, 0 skipped; 0 left');
    expect((await demo('dlq', 'list', '--dlq', dlq)).stdout).toContain('No dead letters');
  });

  it('gives the same facts for the same seed, and reports only its own dead letters', async () => {
    const a = JSON.parse((await demo('--json', '--no-live', '--dlq', join(dir, 'a'), '--seed', '11', '--incidents', '5')).stdout) as DeskReport;
    const b = JSON.parse((await demo('--json', '--no-live', '--dlq', join(dir, 'b'), '--seed', '11', '--incidents', '5')).stdout) as DeskReport;
    for (const key of ['handshakes', 'mapReduce', 'tickets', 'batches', 'pages', 'observers'] as const) expect(a[key]).toEqual(b[key]);
    // A second run on the same queue: the file keeps the first run's records, the report does not list them.
    const again = JSON.parse((await demo('--json', '--no-live', '--dlq', join(dir, 'a'), '--seed', '11', '--incidents', '5')).stdout) as DeskReport;
    expect(again.deadLetters).toHaveLength(again.pages.deadLettered);
    expect(again.deadLetters.map((d) => d.id)).not.toContain(a.deadLetters[0]?.id);
    await expect(demo('dlq', 'replay', 'no-such-id', '--dlq', join(dir, 'a'))).rejects.toMatchObject({ code: 1 });
  });

  it('refuses bad flags with a clear message and exit code 2', async () => {
    await expect(demo('--transport', 'carrier-pigeon')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--transport must be "memory" or "nats"') });
    await expect(demo('--seed', 'abc')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--seed must be a whole number') });
    await expect(demo('dlq', 'replay')).rejects.toMatchObject({ code: 2 });
    const help = await demo('--help');
    for (const flag of ['--seed', '--trace', '--transport', '--nats-url', '--dlq', '--json', 'dlq replay']) expect(help.stdout).toContain(flag);
  });

  it('runs the same scenario with the specialists in worker processes over NATS', async (context) => {
    if (!(await natsReachable(NATS_URL))) {
      if (process.env['CI']) throw new Error(`NATS is not reachable at ${NATS_URL}; CI must run this test`);
      context.skip(`NATS is not reachable at ${NATS_URL}: start nats-server -js to run this test`);
    }
    const { stdout } = await demo('--json', '--no-live', '--transport', 'nats', '--nats-url', NATS_URL, '--dlq', join(dir, 'nats-dlq'));
    const report = JSON.parse(stdout) as DeskReport;
    expect(report.transport).toMatch(/^nats \(2 worker processes/);
    expectEveryComponent(report);
  });
});
