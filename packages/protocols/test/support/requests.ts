import { Agent, createMesh, type MeshOptions } from '@agentmesh/core';
import { z } from 'zod';
import type { DeferredReply } from '../../src/request-reply/deferred-reply.js';
import { defineRequest } from '../../src/request-reply/define-request.js';
import { RequestReplyProtocol, type RequestReplyProtocolOptions } from '../../src/index.js';
import { countingClock } from './clock.js';
import { spyLogger } from './logger.js';
import { recordInbound } from './recorder.js';

/** A typed request used across the tests. */
export const Summarize = defineRequest('summarize', {
  input: z.object({ text: z.string().min(1), maxWords: z.number().int().positive().default(50) }),
  output: z.object({ summary: z.string(), words: z.number().int() }),
});

/** A second type, for agents that serve several. */
export const Translate = defineRequest('translate', {
  input: z.object({ text: z.string(), to: z.enum(['fr', 'de']) }),
  output: z.string(),
});

/** An agent with no handler of its own: it only serves what protocols give it. */
export class Worker extends Agent {}

/** A mesh with a protocol, a caller and a worker; the recorder sees every inbound message. */
export async function requestWorld(options: RequestReplyProtocolOptions = {}, meshOptions: MeshOptions = {}) {
  const clock = countingClock(meshOptions.clock);
  const logger = spyLogger();
  const mesh = createMesh(meshOptions);
  const inbound = recordInbound(mesh);
  const protocol = new RequestReplyProtocol(mesh, { clock, logger, ...options });
  const caller = new Worker({ name: 'caller' });
  const worker = new Worker({ name: 'worker' });
  await mesh.register(caller);
  await mesh.register(worker);
  return { mesh, protocol, caller, worker, inbound, clock, logger };
}

/**
 * A worker that defers every Summarize request and keeps the DeferredReply for the test to
 * answer: at once (a synchronous handler), or after `delayMs` (the call still runs meanwhile).
 */
export async function deferringWorld(delayMs = 0) {
  const world = await requestWorld({ defaultTimeoutMs: 10_000 });
  const replies: DeferredReply<{ summary: string; words: number }>[] = [];
  world.protocol.handleRequest(world.worker, Summarize, (_input, _ctx, request) => {
    const defer = (): DeferredReply<{ summary: string; words: number }> => {
      const reply = request.defer();
      replies.push(reply);
      return reply;
    };
    return delayMs > 0 ? new Promise<void>((r) => setTimeout(r, delayMs)).then(defer) : defer();
  });
  return { ...world, replies };
}
