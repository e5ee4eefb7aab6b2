import { Agent, MeshError, type AgentOptions, type HandlerResult, type Message, type RequestContext } from '@agentmesh/core';
import { Batcher } from '../batcher/batcher.js';
import type { BatcherOptions, BatcherStats } from '../batcher/options.js';
import { batchContext } from './batch-context.js';
import { repliesInOrder, type BatchReplies } from './replies.js';

/**
 * Handles one batch: `messages` in arrival order, `ctx` the batch's own context (use it for
 * downstream calls), `contexts` each caller's context, aligned with `messages`.
 */
export type ProcessBatch = (
  this: BatchingAgent,
  messages: readonly Message[],
  ctx: RequestContext,
  contexts: readonly RequestContext[],
) => BatchReplies | PromiseLike<BatchReplies>;

/** Options for a {@link BatchingAgent}: the agent's, the batcher's, and optionally its batch handler. */
export interface BatchingAgentOptions extends AgentOptions, Omit<BatcherOptions<never, never>, 'process'> {
  /**
   * Handles a batch (`this` is the agent, so `this.invoke` reaches peers); required unless a
   * subclass overrides {@link BatchingAgent.processBatch}.
   * @default none (the subclass's override)
   */
  readonly processBatch?: ProcessBatch;
}

interface BatchRequest {
  readonly message: Message;
  readonly context: RequestContext;
}

/**
 * An agent whose incoming messages are batched: many calls in, one `processBatch` call, and each
 * caller gets its own reply (by position, or by request message id with a Map). One reply that is
 * an Error fails its caller alone; a throwing `processBatch` fails its batch alone. A message
 * whose call is cancelled or passes its deadline before its batch is sent leaves the batch.
 * `close()` (the mesh calls it when it closes) sends what is queued and waits for it.
 *
 * Override {@link BatchingAgent.processBatch}, or pass `processBatch` in the options.
 */
export class BatchingAgent extends Agent {
  readonly #batcher: Batcher<BatchRequest, HandlerResult>;
  readonly #processBatch: ProcessBatch | undefined;

  constructor(options: BatchingAgentOptions) {
    super(options);
    this.#processBatch = options.processBatch;
    if (this.#processBatch === undefined && this.processBatch === BatchingAgent.prototype.processBatch) {
      throw new MeshError('INVALID_ARGUMENT', `BatchingAgent "${this.name}" needs options.processBatch or an override of processBatch`);
    }
    const { name: _name, capabilities: _capabilities, processBatch: _processBatch, ...batching } = options;
    this.#batcher = new Batcher<BatchRequest, HandlerResult>({ ...batching, process: (requests) => this.#run(requests) });
  }

  /** Handles one batch. The default calls `options.processBatch`; subclasses override it. */
  processBatch(messages: readonly Message[], ctx: RequestContext, contexts: readonly RequestContext[]): BatchReplies | PromiseLike<BatchReplies> {
    return this.#processBatch!.call(this, messages, ctx, contexts);
  }

  /** Queues the message for the next batch and resolves with its own reply. */
  override handle(message: Message, ctx: RequestContext): Promise<HandlerResult> {
    return this.#batcher.add({ message, context: ctx }, { context: ctx });
  }

  /** The batcher's counters. */
  batchStats(): BatcherStats {
    return this.#batcher.stats();
  }

  /** Sends what is queued, waits for every caller to settle, then refuses new messages (CLOSED). */
  override close(): Promise<void> {
    return this.#batcher.close();
  }

  async #run(requests: BatchRequest[]): Promise<readonly (HandlerResult | Error)[]> {
    const messages = requests.map((r) => r.message);
    const contexts = requests.map((r) => r.context);
    const batch = batchContext(contexts, this.name, this.mesh?.logger);
    try {
      return repliesInOrder(messages, await this.processBatch(messages, batch.context, contexts), this.name);
    } finally {
      batch.dispose();
    }
  }
}
