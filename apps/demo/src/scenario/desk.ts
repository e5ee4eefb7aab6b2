import { MeshError, defineAgent, type Message, type RequestContext } from '@agentmesh/core';
import { ObservableAgent, mapReduce } from '@agentmesh/patterns';
import { AgentConnectionPool, latencyStats } from '@agentmesh/perf';
import { DeadLetterQueue, circuitBreakers, deadLetter, retry, timeout, type DeadLetterStore } from '@agentmesh/resilience';
import type { LiveView } from '../live.js';
import type { TraceEvent } from '../trace.js';
import { ANALYZERS, REQUIRED_CAPABILITIES, writePostmortem } from './contracts.js';
import type { Deployment } from './deployment.js';
import { combine, incidentLogs, ticketType, type LogSummary } from './logs.js';
import { forTarget, traceRecorder } from './recorder.js';
import type { DeskReport } from './report.js';

const VENDORS = ['cdn', 'dns', 'payments-gateway', 'email', 'sms', 'object-store'];
const LOG_LINES = 240;

export interface DeskOptions {
  readonly seed: number;
  readonly incidents: number;
  readonly store: DeadLetterStore;
  readonly view: LiveView;
  readonly trace: TraceEvent[] | undefined;
  /** A pause between incidents so a person can follow the live view (0 when not on a terminal). */
  readonly paceMs: number;
}

/** Runs the incident desk on a deployment and returns the facts for the report. */
export async function runDesk(deployment: Deployment, options: DeskOptions): Promise<DeskReport> {
  const { mesh } = deployment;
  const { view, seed, incidents } = options;
  const started = performance.now();
  const latency = latencyStats();
  const breakerLog: { from: string; to: string; reason: string }[] = [];
  const breakers = circuitBreakers({
    strategy: { kind: 'consecutive', failureThreshold: 3 },
    openDurationMs: 250,
    onStateChange: (e) => {
      breakerLog.push({ from: e.from, to: e.to, reason: e.reason });
      view.log(`  breaker ${e.name}: ${e.from} → ${e.to} (${e.reason})`);
    },
  });
  const dlq = new DeadLetterQueue({ store: options.store, mesh });
  mesh.use(latency);
  if (options.trace !== undefined) mesh.use(traceRecorder(options.trace, started));
  // The recommended order for the flaky pager: dead letters, retry, breaker, per-attempt timeout.
  mesh.use(forTarget('pager', [deadLetter(dlq), retry({ maxAttempts: 3, backoff: { kind: 'constant', delayMs: 20 } }), breakers, timeout(1_000)]));

  const seen: Record<string, number> = { dashboard: 0, audit: 0 };
  const observer = (name: string) => defineAgent({ name, handle: () => void (seen[name] = (seen[name] ?? 0) + 1) });
  await mesh.register(observer('dashboard'));
  await mesh.register(observer('audit'));

  const { handshakes, requests } = deployment.protocols;
  const pool = new AgentConnectionPool({ mesh, maxConnections: 4, maxPerTarget: 2, acquireTimeoutMs: 5_000 });
  const facts = {
    handshakes: [] as DeskReport['handshakes'][number][],
    mapReduce: { jobs: 0, chunks: 0, reassigned: 0, failedChunks: 0, lines: 0, errors: 0 },
    tickets: {} as Record<string, number>,
    batchSizes: new Map<number, number>(),
    classified: 0,
    poolCalls: 0,
    pages: { sent: 0, delivered: 0, deadLettered: 0 },
    /** This run's dead letters (the queue's file keeps earlier runs' too, for `dlq` commands). */
    deadLetterIds: [] as string[],
    postmortem: { title: '', progressFrames: 0, actionItems: 0 },
  };
  const outage = incidents >= 4 ? [2, 3] : [];

  class Coordinator extends ObservableAgent {
    override async handle(_message: Message, ctx: RequestContext): Promise<string> {
      view.log('Handshakes');
      for (const [peer, require] of Object.entries(REQUIRED_CAPABILITIES)) {
        const result = await handshakes.initiateHandshake(this, peer, { require, context: ctx });
        facts.handshakes.push(result.accepted ? { peer, accepted: true, version: result.version } : { peer, accepted: false, reason: result.reason });
        view.log(result.accepted ? `  ✔ ${peer} v${result.version}` : `  ✘ ${peer}: ${result.reason}`);
      }
      const summaries: { id: number; type: string; errors: number; paged: boolean }[] = [];
      for (let id = 1; id <= incidents; id++) {
        summaries.push(await this.#incident(id, ctx));
        if (options.paceMs > 0) await new Promise((resolve) => setTimeout(resolve, options.paceMs));
      }
      view.progress('postmortem', 0, 5);
      const postmortem = await requests.sendRequest(this, 'postmortem', writePostmortem, { incidents: summaries }, {
        context: ctx,
        timeoutMs: 2_000,
        resetTimeoutOnProgress: true,
        onProgress: (p) => {
          facts.postmortem.progressFrames++;
          const { done, total } = p as { done: number; total: number };
          view.progress('postmortem', done, total);
        },
      });
      facts.postmortem.title = postmortem.title;
      facts.postmortem.actionItems = postmortem.actionItems;
      return postmortem.title;
    }

    async #incident(id: number, ctx: RequestContext): Promise<{ id: number; type: string; errors: number; paged: boolean }> {
      await this.notifyObservers('incident.opened', { id }, ctx);
      const run = await mapReduce({
        mesh,
        data: incidentLogs(seed, id, LOG_LINES),
        mappers: [...ANALYZERS],
        reducer: (parts: readonly LogSummary[]) => combine(parts),
        onError: 'reassign',
        chunkSize: 20,
        context: ctx,
      });
      const summary = run.value;
      Object.assign(facts.mapReduce, {
        jobs: facts.mapReduce.jobs + 1,
        chunks: facts.mapReduce.chunks + run.chunkCount,
        reassigned: facts.mapReduce.reassigned + run.reassigned.length,
        failedChunks: facts.mapReduce.failedChunks + run.failures.length,
        lines: facts.mapReduce.lines + summary.lines,
        errors: facts.mapReduce.errors + summary.errors,
      });
      view.progress('log analysis', id, incidents);

      const classified = await Promise.all(Object.keys(summary.signatures).map((signature) => this.invoke('classifier', { content: { signature } }, { context: ctx })));
      for (const reply of classified) {
        const size = Number(reply.metadata['batchSize']);
        facts.batchSizes.set(size, (facts.batchSizes.get(size) ?? 0) + 1);
      }
      facts.classified += classified.length;

      const type = ticketType(summary);
      const ticket = await this.invoke('billing', { content: { incident: id, errors: summary.errors }, metadata: { type } }, { context: ctx });
      const handledBy = String((ticket.content as { handledBy?: string }).handledBy);
      facts.tickets[handledBy] = (facts.tickets[handledBy] ?? 0) + 1;
      await this.notifyObservers('incident.triaged', { id, type, handledBy }, ctx);

      await Promise.all(VENDORS.map((vendor) => pool.invokeWithPool(this.name, 'vendor-api', { content: { vendor, incident: id } }, ctx)));
      facts.poolCalls += VENDORS.length;
      view.progress('vendor checks', id, incidents);

      if (id === outage[0]) await this.invoke('chaos', { content: { pagerOutage: true } }, { context: ctx });
      const paged = await this.#page(id, type, ctx);
      if (id === outage[outage.length - 1]) await this.invoke('chaos', { content: { pagerOutage: false } }, { context: ctx });
      view.progress('paging', id, incidents);
      await this.notifyObservers('incident.resolved', { id, paged }, ctx);
      return { id, type, errors: summary.errors, paged };
    }

    async #page(id: number, type: string, ctx: RequestContext): Promise<boolean> {
      facts.pages.sent++;
      try {
        await this.invoke('pager', { content: { incident: id, type } }, { context: ctx });
        facts.pages.delivered++;
        return true;
      } catch (error) {
        const deadLetterId = MeshError.is(error) ? error.details?.['deadLetterId'] : undefined;
        if (typeof deadLetterId !== 'string') throw error;
        facts.pages.deadLettered++;
        facts.deadLetterIds.push(deadLetterId);
        view.log(`  page for incident #${id} failed (${(error as MeshError).code}); dead letter ${deadLetterId}`);
        return false;
      }
    }
  }

  const coordinator = new Coordinator({ name: 'coordinator' });
  coordinator.attachObserver('dashboard');
  coordinator.attachObserver('audit');
  await mesh.register(coordinator);
  view.log(`Running ${incidents} incidents on ${deployment.label}`);
  await mesh.invoke('coordinator', { content: { incidents } }, { timeoutMs: 120_000 });
  await coordinator.drain();
  view.stop();

  const ours = new Set(facts.deadLetterIds);
  const deadLetters = (await dlq.list()).filter((d) => ours.has(d.id));
  return {
    transport: deployment.label,
    seed,
    incidents,
    durationMs: performance.now() - started,
    handshakes: facts.handshakes,
    mapReduce: facts.mapReduce,
    tickets: facts.tickets,
    batches: { sizes: [...facts.batchSizes.entries()].sort((a, b) => a[0] - b[0]).flatMap(([size, n]) => Array<number>(n / size).fill(size)), classified: facts.classified },
    pool: { calls: facts.poolCalls, peakInFlight: pool.stats().peakInFlight, maxPerTarget: 2 },
    breaker: breakerLog,
    pages: facts.pages,
    deadLetters: deadLetters.map((d) => ({ id: d.id, code: d.error.code, attempts: d.attempts })),
    observers: seen,
    postmortem: facts.postmortem,
    latency: latency.snapshot(),
  };
}
