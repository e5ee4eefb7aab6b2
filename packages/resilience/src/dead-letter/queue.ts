import { createMessage, isMessage, nextId, systemClock, type Call, type Clock, type Mesh, type Message, type MessageInit, type RequestContext, type Agent, type MeshError } from '@agentmesh/core';
import { isAbort, watchCancellation, watchEither, watchSignal } from '../internal/abort.js';
import { invokeOptions } from '../internal/invoke-options.js';
import { safeCall, safePredicate } from '../internal/report.js';
import { integerAtLeast, invalidOption, optionalFunction } from '../internal/validate.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../retry/backoff.js';
import { keepTrying, type RetrySettings } from '../retry/engine.js';
import { resolveRetry } from '../retry/retry.js';
import { attemptsOf } from '../retry/retryable.js';
import { buildRecord, deadLetteredError, notDeadLetteredError, type RecordParts } from './record.js';
import { replayRecords, type ReplayOptions, type ReplayResult } from './replay.js';
import type { DeadLetterFilter, DeadLetterRecord, DeadLetterStore } from './store.js';

/** Default retries of `processWithDlq` after its first attempt. */
export const DEFAULT_DLQ_MAX_RETRIES = 3;

/** Options of a {@link DeadLetterQueue}. */
export interface DeadLetterQueueOptions {
  /** Where dead letters are kept. */
  readonly store: DeadLetterStore;
  /** Delivers to agents given by name, and replays. @default none: pass Agents registered with a mesh */
  readonly mesh?: Mesh;
  /** Retries after the first attempt, when a call gives none. @default DEFAULT_DLQ_MAX_RETRIES (3) */
  readonly maxRetries?: number;
  /** Waits between attempts of `processWithDlq`. @default DEFAULT_BACKOFF */
  readonly backoff?: BackoffOptions;
  /** Which final failures become dead letters; the others just reject. @default all but cancellations */
  readonly shouldDeadLetter?: (error: unknown) => boolean;
  /** Hears every new dead letter, once stored. @default none */
  readonly onDeadLetter?: (record: DeadLetterRecord) => void;
  /** Time for records and waits. @default systemClock */
  readonly clock?: Clock;
  /** Uniform random source in [0, 1) for jitter. @default Math.random */
  readonly random?: () => number;
}

/** Options of one {@link DeadLetterQueue.processWithDlq}. */
export interface ProcessOptions {
  /** Retries after the first attempt; 0 is one attempt, then the dead letter. @default the queue's maxRetries */
  readonly maxRetries?: number;
  /** The sender. @default ctx.agentName */
  readonly from?: string;
  /** Budget of each attempt, in ms. @default the mesh's defaultTimeoutMs */
  readonly timeoutMs?: number;
  /** Cancels the delivery (CANCELLED, not dead-lettered). @default none */
  readonly signal?: AbortSignal;
}

/**
 * Where messages that cannot be delivered end up, to be inspected and replayed instead of lost.
 * Nothing is dropped silently: `processWithDlq` resolves the reply, or rejects with the typed
 * error after the message is stored (`details.deadLetterId`, `retryable: false`), or, if storing
 * failed, with the original error saying so (`details.deadLetterFailed`). Errors that cannot be
 * helped by retrying (TypeError in the handler, INVALID_MESSAGE...) go to the queue at once.
 */
export class DeadLetterQueue {
  readonly store: DeadLetterStore;
  readonly #mesh: Mesh | undefined;
  readonly #retry: RetrySettings;
  readonly #maxRetries: number;
  readonly #shouldDeadLetter: (error: unknown) => boolean;
  readonly #onDeadLetter: ((record: DeadLetterRecord) => void) | undefined;
  readonly #clock: Clock;
  /** Message ids being delivered by this queue, which the `deadLetter` middleware leaves alone. */
  readonly #owned = new Map<string, number>();

  constructor(options: DeadLetterQueueOptions) {
    if (typeof options?.store?.put !== 'function') throw invalidOption('store must be a DeadLetterStore');
    this.store = options.store;
    this.#mesh = options.mesh;
    this.#maxRetries = integerAtLeast(options.maxRetries ?? DEFAULT_DLQ_MAX_RETRIES, 'maxRetries', 0);
    const retryOptions = { backoff: options.backoff ?? DEFAULT_BACKOFF, ...(options.random === undefined ? {} : { random: options.random }) };
    this.#retry = resolveRetry(retryOptions);
    this.#shouldDeadLetter = optionalFunction(options.shouldDeadLetter, 'shouldDeadLetter') ?? ((error) => !isAbort(error));
    this.#onDeadLetter = optionalFunction(options.onDeadLetter, 'onDeadLetter');
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Delivers `message` to `agent` (a name, through `options.mesh`, or an Agent, through its mesh)
   * with up to `maxRetries` retries, then dead-letters it. Inherits `ctx` (deadline, cancellation,
   * trace) when given. Resolves the reply; see the class for how failures reject.
   */
  async processWithDlq(agent: string | Agent, input: Message | MessageInit, ctx?: RequestContext, options: ProcessOptions = {}): Promise<Message> {
    const { mesh, target } = this.#resolveTarget(agent);
    const message = isMessage(input) ? input : createMessage(input);
    const settings = { ...this.#retry, maxAttempts: integerAtLeast(options.maxRetries ?? this.#maxRetries, 'maxRetries', 0) + 1 };
    const from = options.from ?? ctx?.agentName;
    const invoke = invokeOptions(from, ctx, options.timeoutMs, options.signal);
    let firstFailedAt: number | undefined;
    const attempt = (): Promise<Message> =>
      mesh.invoke(target, message, invoke).catch((error: unknown) => {
        firstFailedAt ??= this.#clock.now();
        throw error;
      });
    const abort = watchEither(ctx === undefined ? watchSignal(undefined, '') : watchCancellation(ctx.cancellation), watchSignal(options.signal, 'delivery'));
    const tally = { attempts: 1 };
    this.#own(message.id, 1);
    try {
      return await attempt().catch((error: unknown) => keepTrying(settings, attempt, error, { clock: this.#clock, deadline: ctx?.deadline, abort }, tally));
    } catch (error) {
      if (!this.#dead(error)) throw error;
      const parts = { message, target, from, error, attempts: tally.attempts, firstFailedAt: firstFailedAt ?? this.#clock.now(), requestId: ctx?.requestId, traceId: ctx?.traceId };
      throw await this.#deadLetter(parts);
    } finally {
      this.#own(message.id, -1);
    }
  }

  /**
   * Dead-letters a mesh call that finally failed (what the `deadLetter` middleware does) and
   * resolves the error to reject its caller with. Calls this queue is delivering itself are left
   * to it, and failures `shouldDeadLetter` declines come back unchanged.
   */
  async captureFailure(call: Call, error: unknown): Promise<unknown> {
    if (this.#owned.has(call.message.id) || !this.#dead(error)) return error;
    const now = this.#clock.now();
    const ctx = call.context;
    return this.#deadLetter({ message: call.message, target: call.to, from: call.from, error, attempts: attemptsOf(error) ?? 1, firstFailedAt: now, requestId: ctx.requestId, traceId: ctx.traceId });
  }

  /** `shouldDeadLetter`, guarded: one that throws keeps the message (dead-letters it). */
  #dead(error: unknown): boolean {
    return safePredicate(this.#shouldDeadLetter, error, undefined, true, 'shouldDeadLetter');
  }

  async #deadLetter(parts: Omit<RecordParts, 'id' | 'lastFailedAt'>): Promise<MeshError> {
    const record = buildRecord({ ...parts, id: nextId(), lastFailedAt: this.#clock.now() });
    try {
      await this.store.put(record);
    } catch (storeError) {
      this.#mesh?.logger.error({ err: storeError, target: parts.target, messageId: parts.message.id }, 'could not store a dead letter');
      return notDeadLetteredError(parts.error, parts.target, storeError);
    }
    if (this.#onDeadLetter !== undefined) safeCall(this.#onDeadLetter, record, 'onDeadLetter');
    return deadLetteredError(parts.error, parts.target, record.id);
  }

  /**
   * Delivers dead letters again, oldest first, one at a time, through `options.mesh`: a record whose
   * delivery succeeds is removed; one that fails stays, with attempts, lastFailedAt and error updated.
   */
  replay(idOrFilter: string | DeadLetterFilter, options: ReplayOptions = {}): Promise<ReplayResult> {
    const mesh = this.#mesh;
    if (mesh === undefined) return Promise.reject(invalidOption('replay needs a mesh: pass options.mesh to the DeadLetterQueue'));
    return replayRecords({ mesh, store: this.store, clock: this.#clock, own: (id, delta) => this.#own(id, delta) }, idOrFilter, options);
  }

  /** Dead letters matching `filter`, oldest first. */
  list(filter?: DeadLetterFilter): Promise<DeadLetterRecord[]> {
    return this.store.list(filter);
  }

  get(id: string): Promise<DeadLetterRecord | undefined> {
    return this.store.get(id);
  }

  /** Resolves whether the record existed. */
  remove(id: string): Promise<boolean> {
    return this.store.remove(id);
  }

  /** Removes every record; resolves how many there were. */
  purge(): Promise<number> {
    return this.store.purge();
  }

  size(): Promise<number> {
    return this.store.size();
  }

  #resolveTarget(agent: string | Agent): { mesh: Mesh; target: string } {
    const target = typeof agent === 'string' ? agent : typeof agent?.name === 'string' ? agent.name : undefined;
    if (target === undefined) throw invalidOption('agent must be an agent name or an Agent');
    const mesh = (typeof agent === 'string' ? undefined : agent.mesh) ?? this.#mesh;
    if (mesh === undefined) throw invalidOption(`cannot deliver to "${target}": pass options.mesh, or an Agent registered with a mesh`);
    return { mesh, target };
  }

  #own(messageId: string, delta: 1 | -1): void {
    const count = (this.#owned.get(messageId) ?? 0) + delta;
    if (count > 0) this.#owned.set(messageId, count);
    else this.#owned.delete(messageId);
  }
}
