import { MeshError, type JsonObject, type Message } from '@agentmesh/core';
import { CallScope } from '../internal/call-scope.js';
import { asMeshError, describeFailure } from '../internal/failure.js';
import { invalidArgument, oneOf, optionalTimeout } from '../internal/validate.js';
import { SCATTER_GATHER_MODES, type ScatterGatherMode, type ScatterGatherOptions, type ScatterGatherResult, type ScatterReply, type TargetOutcome } from './types.js';

/**
 * Sends one message to many agents at once and gathers the replies. Resolves when the mode's
 * condition holds (all settled, a quorum of replies, the first reply) with one outcome per target;
 * targets still running then are cancelled (their `ctx.signal` aborts) and reported `'cancelled'`.
 * In `'quorum'` and `'first'` modes it rejects as soon as too many targets failed for the
 * condition to hold: the error has the code of the failure that decided it (TIMEOUT when the
 * deadline passed), is retryable when any failure was, and lists every outcome in
 * `details.outcomes`. Cancelling the caller rejects with CANCELLED and cancels every hop.
 *
 * @throws INVALID_ARGUMENT (as a rejection) for no targets, a missing timeout or a bad quorum.
 */
export function scatterGather(options: ScatterGatherOptions): Promise<ScatterGatherResult> {
  let plan: Plan;
  let scope: CallScope;
  try {
    plan = planOf(options);
    scope = new CallScope({ ...options, operation: 'scatter-gather', timeoutMs: options.timeoutMs });
  } catch (error) {
    return Promise.reject(error);
  }
  return new Gather(options, plan, scope).run();
}

interface Plan {
  readonly mode: ScatterGatherMode;
  /** Replies that decide success. */
  readonly need: number;
}

function planOf(options: ScatterGatherOptions): Plan {
  const { targets, quorum } = options;
  if (!Array.isArray(targets) || targets.length === 0) throw invalidArgument('scatter-gather: targets must list at least one agent');
  if (optionalTimeout(options.timeoutMs, 'scatter-gather: timeoutMs') === undefined) {
    throw invalidArgument('scatter-gather: timeoutMs is required (Infinity to rely on the context deadline alone)');
  }
  const mode = oneOf(options.mode, SCATTER_GATHER_MODES, quorum === undefined ? 'all' : 'quorum', 'scatter-gather: mode');
  if (mode !== 'quorum' && quorum !== undefined) throw invalidArgument('scatter-gather: quorum applies only to mode "quorum"');
  if (mode === 'all') return { mode, need: targets.length };
  if (mode === 'first') return { mode, need: 1 };
  const need = quorum ?? Math.floor(targets.length / 2) + 1;
  if (!Number.isSafeInteger(need) || need < 1 || need > targets.length) {
    throw invalidArgument(`scatter-gather: quorum must be an integer from 1 to ${targets.length}, got ${String(quorum)}`);
  }
  return { mode, need };
}

/** One scatter-gather run: the hops, their outcomes and the decision. */
class Gather {
  readonly #options: ScatterGatherOptions;
  readonly #plan: Plan;
  readonly #scope: CallScope;
  readonly #outcomes: (TargetOutcome | undefined)[];
  readonly #replies: ScatterReply[] = [];
  readonly #started: number;
  #settled = 0;
  #done = false;
  #resolve!: (result: ScatterGatherResult) => void;
  #reject!: (error: MeshError) => void;

  constructor(options: ScatterGatherOptions, plan: Plan, scope: CallScope) {
    this.#options = options;
    this.#plan = plan;
    this.#scope = scope;
    this.#outcomes = options.targets.map(() => undefined);
    this.#started = options.mesh.clock.now();
  }

  run(): Promise<ScatterGatherResult> {
    return new Promise<ScatterGatherResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      const { targets, message } = this.#options;
      targets.forEach((target, index) => {
        this.#scope.invoke(target, message).then(
          (reply) => this.#ok(index, reply),
          (error: unknown) => this.#failed(index, error),
        );
      });
    });
  }

  #ok(index: number, value: Message): void {
    if (this.#done) return;
    const target = this.#options.targets[index]!;
    this.#record(index, { target, status: 'ok', value, elapsedMs: this.#elapsed() });
    this.#replies.push({ target, index, value });
    if (this.#replies.length >= this.#plan.need) this.#finish();
    else if (this.#settled === this.#outcomes.length) this.#finish();
  }

  #failed(index: number, thrown: unknown): void {
    if (this.#done) return;
    const stopped = this.#scope.stopped();
    // The caller gave up: nobody wants the outcomes any more.
    if (stopped?.code === 'CANCELLED') return this.#end(() => this.#reject(stopped));
    const target = this.#options.targets[index]!;
    // Past the deadline every hop fails for the same reason, whatever its own error says.
    const error = stopped ?? asMeshError(thrown, target);
    this.#record(index, { target, status: 'error', ...describeFailure(error), elapsedMs: this.#elapsed() });
    const pending = this.#outcomes.length - this.#settled;
    // In 'all' mode failures are outcomes; otherwise, once the replies can no longer come, stop.
    if (this.#plan.mode !== 'all' && this.#replies.length + pending < this.#plan.need) this.#end(() => this.#reject(this.#unreachable(error)));
    else if (pending === 0) this.#finish();
  }

  #record(index: number, outcome: TargetOutcome): void {
    this.#outcomes[index] = outcome;
    this.#settled++;
  }

  #finish(): void {
    this.#end(() => this.#resolve({ outcomes: this.#outcomes as TargetOutcome[], replies: this.#replies }));
  }

  /** Decides: marks and cancels the stragglers, releases the scope, then settles. */
  #end(settle: () => void): void {
    this.#done = true;
    const elapsedMs = this.#elapsed();
    this.#options.targets.forEach((target, i) => {
      if (this.#outcomes[i] === undefined) this.#outcomes[i] = { target, status: 'cancelled', elapsedMs };
    });
    if (this.#settled < this.#outcomes.length) this.#scope.cancel(MeshError.withoutStack('CANCELLED', 'scatter-gather was decided without this reply'));
    this.#scope.dispose();
    settle();
  }

  #unreachable(decider: MeshError): MeshError {
    const outcomes = this.#outcomes.filter((o): o is TargetOutcome => o !== undefined);
    const failed = outcomes.filter((o) => o.status === 'error');
    const summary: JsonObject[] = outcomes.map((o) => (o.status === 'error' ? { target: o.target, status: o.status, code: o.code, message: o.message } : { target: o.target, status: o.status }));
    const { targets } = this.#options;
    return new MeshError(
      decider.code,
      `scatter-gather needed ${this.#plan.need} of ${targets.length} replies, got ${this.#replies.length}; ${failed.length} failed (last: ${decider.message})`,
      { retryable: failed.some((o) => o.status === 'error' && o.retryable), details: { mode: this.#plan.mode, need: this.#plan.need, outcomes: summary }, cause: decider },
    );
  }

  #elapsed(): number {
    return this.#options.mesh.clock.now() - this.#started;
  }
}
