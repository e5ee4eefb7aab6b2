import { createMesh, defineAgent, type Message } from '@agentmesh/core';
import { CircuitBreaker, circuitBreakers, retry, timeout } from '@agentmesh/resilience';
import { ConsecutiveBreaker, circuitBreaker as cockatielBreaker, handleAll } from 'cockatiel';
import { ServiceBroker } from 'moleculer';
import Opossum from 'opossum';
import type { BenchSuite } from '../harness.js';

const BATCH = 1000;

const sequential = (call: () => Promise<unknown>) => async () => {
  for (let i = 0; i < BATCH; i++) await call();
};
const rejections = (call: () => Promise<unknown>) => async () => {
  for (let i = 0; i < BATCH; i++) await call().catch(() => undefined);
};

/**
 * The breaker's closed path against cockatiel and opossum (one trivial async function per call),
 * the cost of an open-breaker rejection, and `mesh.invoke` through retry + per-target breakers +
 * per-attempt timeout against moleculer's local call with its circuit breaker, retry policy and
 * bulkhead on (and a 5 s request timeout on both sides).
 */
export default async function resilienceSuites(): Promise<BenchSuite[]> {
  const work = async (): Promise<number> => 1;

  const ours = new CircuitBreaker({ strategy: { kind: 'consecutive', failureThreshold: 5 }, openDurationMs: 10_000 });
  const cockatiel = cockatielBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
  const opossum = new Opossum(work, { resetTimeout: 10_000, timeout: false, errorThresholdPercentage: 50, volumeThreshold: 5 });

  const oursOpen = new CircuitBreaker({ openDurationMs: 3_600_000 });
  oursOpen.isolate();
  const cockatielOpen = cockatielBreaker(handleAll, { halfOpenAfter: 3_600_000, breaker: new ConsecutiveBreaker(1) });
  cockatielOpen.isolate();
  const opossumOpen = new Opossum(work, { resetTimeout: 3_600_000, timeout: false });
  opossumOpen.open();
  // A breaker opened by failures (not isolated), so the rejection computes retryAfterMs.
  const oursTripped = new CircuitBreaker({ strategy: { kind: 'consecutive', failureThreshold: 1 }, openDurationMs: 3_600_000 });
  await oursTripped.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);

  const message: Message = { id: 'm-1', role: 'user', content: 'ping', metadata: { type: 'bench' } };
  const mesh = createMesh({ defaultTimeoutMs: Infinity });
  mesh.use(retry({ maxAttempts: 3 })).use(circuitBreakers()).use(timeout(5_000));
  await mesh.register(defineAgent({ name: 'echo', handle: (m) => m }));
  await mesh.register(defineAgent({ name: 'echo-async', handle: async (m) => m }));

  const broker = new ServiceBroker({
    logger: false,
    metrics: false,
    tracing: false,
    transporter: null,
    requestTimeout: 5_000,
    retryPolicy: { enabled: true, retries: 2, delay: 100, maxDelay: 10_000, factor: 2 },
    circuitBreaker: { enabled: true, threshold: 0.5, minRequestCount: 20, windowTime: 60, halfOpenTime: 10_000 },
    bulkhead: { enabled: true, concurrency: 100, maxQueueSize: 1_000 },
  });
  broker.createService({ name: 'echo', actions: { echo: (ctx: { params: unknown }) => ctx.params } });
  await broker.start();
  const params = { content: 'ping', metadata: { type: 'bench' } };

  return [
    {
      title: 'circuit breaker, closed path (execute a trivial async function)',
      reference: 'cockatiel circuitBreaker.execute',
      target: 'agentmesh >= 1.0x cockatiel',
      cases: [
        { name: 'bare async function', ops: BATCH, run: sequential(work) },
        { name: 'agentmesh CircuitBreaker.execute', ops: BATCH, run: sequential(() => ours.execute(work)) },
        { name: 'cockatiel circuitBreaker.execute', ops: BATCH, run: sequential(() => cockatiel.execute(work)) },
        { name: 'opossum fire', ops: BATCH, run: sequential(() => opossum.fire()) },
      ],
    },
    {
      title: 'circuit breaker, open path (rejection, awaited and caught)',
      reference: 'cockatiel (isolated)',
      target: 'agentmesh rejection <= 1 µs per call',
      cases: [
        { name: 'agentmesh (opened by failures)', ops: BATCH, run: rejections(() => oursTripped.execute(work)) },
        { name: 'agentmesh (isolated)', ops: BATCH, run: rejections(() => oursOpen.execute(work)) },
        { name: 'cockatiel (isolated)', ops: BATCH, run: rejections(() => cockatielOpen.execute(work)) },
        { name: 'opossum (open)', ops: BATCH, run: rejections(() => opossumOpen.fire()) },
      ],
    },
    {
      title: 'in-process call with retry + circuit breaker + timeout, sequential',
      reference: 'moleculer broker.call (retry, breaker, bulkhead, timeout)',
      target: 'mesh.invoke with the three middleware >= 1.0x moleculer',
      cases: [
        { name: 'mesh.invoke + retry/breakers/timeout', ops: BATCH, run: sequential(() => mesh.invoke('echo', message)) },
        { name: 'mesh.invoke + retry/breakers/timeout (async handler)', ops: BATCH, run: sequential(() => mesh.invoke('echo-async', message)) },
        { name: 'moleculer broker.call (retry, breaker, bulkhead, timeout)', ops: BATCH, run: sequential(() => broker.call('echo.echo', params)) },
      ],
      teardown: async () => {
        await Promise.all([mesh.close(), broker.stop()]);
        opossum.shutdown();
        opossumOpen.shutdown();
      },
    },
  ];
}
