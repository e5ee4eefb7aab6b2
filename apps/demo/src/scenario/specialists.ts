import { Agent, MeshError, createMessage, defineAgent, type Mesh, type Message, type RequestContext } from '@agentmesh/core';
import { createChain, defineMapper } from '@agentmesh/patterns';
import { BatchingAgent } from '@agentmesh/perf';
import { HandshakeProtocol, RequestReplyProtocol, type HandshakeDecision, type HandshakeOffer } from '@agentmesh/protocols';
import { hash } from '../rng.js';
import { DESK_VERSIONS, POSTMORTEM_STEPS, writePostmortem } from './contracts.js';
import { summarize, type LogLine, type LogSummary } from './logs.js';

/** Which specialists a process hosts (all of them in-process; split across NATS workers). */
export type SpecialistGroup = 'analysis' | 'operations';

/** Waits `ms`, ending early (CANCELLED) when the request is cancelled. */
function pause(ms: number, ctx: RequestContext): Promise<void> {
  return new Promise((resolve, reject) => {
    const signal = ctx.signal;
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The notifier from an older release: it only speaks protocol 1.x and says so. */
class LegacyNotifier extends Agent {
  acceptHandshake(offer: HandshakeOffer): HandshakeDecision {
    return offer.version.startsWith('1.')
      ? { accepted: true }
      : { accepted: false, reason: `legacy-notifier speaks protocol 1.x only; negotiated ${offer.version} from [${offer.versions.join(', ')}]` };
  }

  override handle(message: Message): string {
    return `notified: ${JSON.stringify(message.content)}`;
  }
}

function analyzers(seed: number): Agent[] {
  return ['analyzer-1', 'analyzer-2', 'analyzer-3'].map((name) =>
    defineMapper<LogLine, LogSummary>({
      name,
      capabilities: ['analyze-logs'],
      map: (lines) => {
        // analyzer-2 runs out of memory on some chunks (the same ones for the same seed).
        const first = lines[0];
        if (name === 'analyzer-2' && first !== undefined && hash(`${seed}:${first.signature}:${first.ms}`) % 3 === 0) {
          throw Object.assign(new Error('analyzer-2 ran out of memory'), { code: 'E_OOM', retryable: true });
        }
        return summarize(lines);
      },
    }),
  );
}

function classifier(): Agent {
  return new BatchingAgent({
    name: 'classifier',
    capabilities: ['classify'],
    maxBatchSize: 8,
    maxWaitMs: 5,
    processBatch: (messages) =>
      messages.map((m) => {
        const signature = String((m.content as { signature?: string }).signature ?? '');
        const category = /5xx|unavailable|exhausted|lock/.test(signature) ? 'outage' : /declined|mismatch|drift/.test(signature) ? 'data' : 'degradation';
        return createMessage({ role: 'assistant', content: { signature, category }, metadata: { batchSize: messages.length } });
      }),
  });
}

function triageChain(): Agent[] {
  const handledBy = (name: string) => (message: Message) => ({ handledBy: name, ticket: message.content, type: message.metadata['type'] ?? null });
  return createChain([
    { name: 'billing', capabilities: ['ticket'], supportedTypes: ['billing'], handleRequest: handledBy('billing') },
    { name: 'technical', capabilities: ['ticket'], supportedTypes: ['technical'], handleRequest: handledBy('technical') },
    { name: 'escalation', capabilities: ['ticket'], supportedTypes: ['*'], handleRequest: handledBy('escalation') },
  ]).agents.slice();
}

function operations(): Agent[] {
  let pagerOutage = false;
  let vendorInFlight = 0;
  const pager = defineAgent({
    name: 'pager',
    capabilities: ['page'],
    handle: (message) => {
      if (pagerOutage) throw Object.assign(new Error('pager gateway answered 503'), { code: 503, retryable: true });
      return { paged: true, incident: message.content };
    },
  });
  // Turns the pager's outage on and off, so the scenario (and a later replay) is reproducible.
  const chaos = defineAgent({
    name: 'chaos',
    handle: (message) => {
      pagerOutage = (message.content as { pagerOutage?: boolean }).pagerOutage === true;
      return { pagerOutage };
    },
  });
  const vendor = defineAgent({
    name: 'vendor-api',
    capabilities: ['vendor-status'],
    handle: async (message, ctx) => {
      // The vendor allows two calls at a time; a third is refused, as real rate limits do.
      if (vendorInFlight >= 2) throw new MeshError('QUEUE_FULL', 'vendor-api rate limit: 2 concurrent calls');
      vendorInFlight++;
      try {
        await pause(10 + (hash(JSON.stringify(message.content)) % 15), ctx);
        return { vendor: message.content, status: 'operational' };
      } finally {
        vendorInFlight--;
      }
    },
  });
  return [pager, chaos, vendor, new LegacyNotifier({ name: 'legacy-notifier', capabilities: ['notify'] })];
}

/** The protocols installed on a mesh (one instance of each per mesh). */
export interface MeshProtocols {
  readonly handshakes: HandshakeProtocol;
  readonly requests: RequestReplyProtocol;
}

/** Installs the desk's protocols on a mesh. */
export function installProtocols(mesh: Mesh): MeshProtocols {
  return { handshakes: new HandshakeProtocol(mesh, { versions: DESK_VERSIONS }), requests: new RequestReplyProtocol(mesh) };
}

/** Registers groups of specialists on `mesh`, with the protocols they answer; returns the protocols. */
export async function hostSpecialists(mesh: Mesh, groups: readonly SpecialistGroup[], seed: number): Promise<MeshProtocols> {
  const protocols = installProtocols(mesh);
  const agents: Agent[] = [];
  if (groups.includes('analysis')) agents.push(...analyzers(seed), classifier(), ...triageChain());
  if (groups.includes('operations')) {
    agents.push(...operations());
    const postmortem = new Agent({ name: 'postmortem', capabilities: ['write-postmortem'] });
    protocols.requests.handleRequest(postmortem, writePostmortem, async (input, ctx) => {
      for (const [i, step] of POSTMORTEM_STEPS.entries()) {
        ctx.reportProgress({ step, done: i + 1, total: POSTMORTEM_STEPS.length });
        await pause(25, ctx);
      }
      const worst = [...input.incidents].sort((a, b) => b.errors - a.errors)[0]!;
      return {
        title: `Postmortem: ${input.incidents.length} incidents, worst #${worst.id} (${worst.type})`,
        sections: ['Timeline', 'Root causes', 'Impact', 'Action items'],
        actionItems: input.incidents.filter((i) => !i.paged).length + 2,
      };
    });
    agents.push(postmortem);
  }
  for (const agent of agents) await mesh.register(agent);
  return protocols;
}
