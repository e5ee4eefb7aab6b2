import type { AgentInfo } from '@agentmesh/core';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { fromNatsError, isNoRespondersError } from '../errors.js';
import type { TransportLogger } from '../logger.js';
import { mergeAgents, type ServedAgents } from './registry.js';
import { decodeReport, encodeReport } from './wire.js';

/**
 * Answers discovery requests on `<prefix>.discover` with the agents this transport serves. Every
 * transport that serves something listens (no queue group), so a request reaches all of them.
 */
export class DiscoveryResponder {
  readonly #sub: Subscription;

  constructor(nc: NatsConnection, subject: string, served: ServedAgents, logger: TransportLogger) {
    this.#sub = nc.subscribe(subject, {
      callback: (error: Error | null, msg: Msg) => {
        if (error !== null || msg.reply === undefined || msg.reply === '') return;
        try {
          msg.respond(encodeReport(served.list()));
        } catch (failure) {
          logger.warn({ err: failure }, 'discovery report not sent');
        }
      },
    });
  }

  async close(): Promise<void> {
    await this.#sub.drain().catch(() => undefined);
  }
}

/** How long {@link discoverAgents} gathers. */
export interface DiscoveryWindow {
  /** Stop once no new report arrived for this long. */
  readonly quietMs: number;
  /** Stop after this long in any case. */
  readonly maxWaitMs: number;
}

/**
 * Asks every transport under the prefix which agents it serves and merges the answers: an agent
 * is listed once, with `replicas` = how many endpoints serve it. Reports that fail validation are
 * logged and skipped. Nobody answering is an empty list, not an error.
 */
export async function discoverAgents(nc: NatsConnection, subject: string, window: DiscoveryWindow, logger: TransportLogger): Promise<AgentInfo[]> {
  const reports: AgentInfo[][] = [];
  try {
    const replies = await nc.requestMany(subject, '', { strategy: 'stall', stall: window.quietMs, maxWait: window.maxWaitMs });
    for await (const msg of replies) {
      if (msg.data.byteLength === 0) continue;
      try {
        reports.push(decodeReport(msg.data));
      } catch (error) {
        logger.warn({ err: error }, 'invalid discovery report skipped');
      }
    }
  } catch (error) {
    if (isNoRespondersError(error)) return [];
    throw fromNatsError(error, 'discovery');
  }
  return mergeAgents(reports);
}
