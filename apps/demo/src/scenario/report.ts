import type { LatencySnapshot } from '@agentmesh/perf';
import { renderTable } from '../table.js';

/** Everything the run proved, as plain data (the e2e tests check these facts). */
export interface DeskReport {
  readonly transport: string;
  readonly seed: number;
  readonly incidents: number;
  readonly durationMs: number;
  readonly handshakes: readonly { readonly peer: string; readonly accepted: boolean; readonly version?: string; readonly reason?: string }[];
  readonly mapReduce: { readonly jobs: number; readonly chunks: number; readonly reassigned: number; readonly failedChunks: number; readonly lines: number; readonly errors: number };
  readonly tickets: Readonly<Record<string, number>>;
  readonly batches: { readonly sizes: readonly number[]; readonly classified: number };
  readonly pool: { readonly calls: number; readonly peakInFlight: number; readonly maxPerTarget: number };
  readonly breaker: readonly { readonly from: string; readonly to: string; readonly reason: string }[];
  readonly pages: { readonly sent: number; readonly delivered: number; readonly deadLettered: number };
  readonly deadLetters: readonly { readonly id: string; readonly code: string; readonly attempts: number }[];
  readonly observers: Readonly<Record<string, number>>;
  readonly postmortem: { readonly title: string; readonly progressFrames: number; readonly actionItems: number };
  readonly latency: LatencySnapshot;
}

const ms = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

/** The final report, as the terminal shows it. */
export function renderReport(r: DeskReport): string {
  const perAgent = Object.entries(r.latency.targets)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([agent, t]) => [agent, t.count, t.errors, ms(t.p50Ms), ms(t.p99Ms)] as (string | number)[]);
  const out = [
    '',
    `agentmesh incident desk — ${r.incidents} incidents, seed ${r.seed}, ${r.transport}, ${(r.durationMs / 1000).toFixed(2)} s`,
    '',
    'Calls per agent (as the coordinator saw them)',
    renderTable(['agent', 'calls', 'errors', 'p50 ms', 'p99 ms'], perAgent),
    '',
    'Handshakes',
    renderTable(
      ['peer', 'outcome', 'detail'],
      r.handshakes.map((h) => [h.peer, h.accepted ? 'accepted' : 'REJECTED', h.accepted ? `v${h.version ?? '?'}` : (h.reason ?? '')]),
    ),
    '',
    `Map-reduce      ${r.mapReduce.jobs} jobs, ${r.mapReduce.chunks} chunks, ${r.mapReduce.reassigned} reassigned after analyzer failures, ${r.mapReduce.failedChunks} lost; ${r.mapReduce.lines} log lines, ${r.mapReduce.errors} errors`,
    `Chain           tickets handled by ${Object.entries(r.tickets).map(([k, v]) => `${k}: ${v}`).join(', ')}`,
    `Batching        ${r.batches.classified} classifications in ${r.batches.sizes.length} batches (sizes ${r.batches.sizes.join(', ')})`,
    `Pool            ${r.pool.calls} vendor-api calls, peak ${r.pool.peakInFlight} in flight (limit ${r.pool.maxPerTarget})`,
    `Pager           ${r.pages.sent} pages: ${r.pages.delivered} delivered, ${r.pages.deadLettered} dead-lettered`,
    `Breaker (pager) ${r.breaker.length === 0 ? 'no transitions' : r.breaker.map((t) => `${t.from}→${t.to}`).join(', ')}`,
    `Dead letters    ${r.deadLetters.length === 0 ? 'none' : r.deadLetters.map((d) => `${d.id} (${d.code}, ${d.attempts} attempts)`).join('; ')}`,
    `Observers       ${Object.entries(r.observers).map(([k, v]) => `${k} saw ${v} events`).join(', ')}`,
    `Postmortem      "${r.postmortem.title}" after ${r.postmortem.progressFrames} progress frames, ${r.postmortem.actionItems} action items`,
    '',
  ];
  if (r.deadLetters.length > 0) out.push('Inspect and replay the dead letters: pnpm demo -- dlq list  /  pnpm demo -- dlq replay --all', '');
  return out.join('\n');
}
