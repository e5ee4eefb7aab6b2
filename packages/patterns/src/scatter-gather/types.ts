import type { Mesh, MeshErrorCode, Message, MessageInit, RemoteErrorInfo, RequestContext } from '@agentmesh/core';

/** When a scatter-gather is done: every target settled, a quorum replied, or the first reply. */
export type ScatterGatherMode = 'all' | 'quorum' | 'first';

/** The {@link ScatterGatherMode}s, for validation and docs. */
export const SCATTER_GATHER_MODES: readonly ScatterGatherMode[] = ['all', 'quorum', 'first'];

/** Options for {@link scatterGather}. */
export interface ScatterGatherOptions {
  /** The mesh the targets are reached through. */
  readonly mesh: Mesh;
  /** The agents to ask, at least one. A name may repeat (to ask several replicas of it). */
  readonly targets: readonly string[];
  /** Sent, whole and unchanged, to every target. */
  readonly message: Message | MessageInit;
  /**
   * `'all'`: wait until every target settled (failures and timeouts are outcomes, never a
   * rejection). `'quorum'`: resolve once `quorum` targets replied. `'first'`: resolve with the first
   * reply. The last two cancel the stragglers and reject once they can no longer succeed.
   * @default 'quorum' when `quorum` is given, else 'all'
   */
  readonly mode?: ScatterGatherMode;
  /** Replies needed in `'quorum'` mode, 1 to targets.length. @default a majority: floor(targets / 2) + 1 */
  readonly quorum?: number;
  /** Budget of the whole scatter-gather (Infinity for none but the context's deadline). Required. */
  readonly timeoutMs: number;
  /** The calling agent. @default the context's agent, else anonymous */
  readonly from?: string;
  /**
   * The caller's context: each hop inherits its deadline, cancellation, depth, trace and principal.
   * @default none (a fresh trace per hop)
   */
  readonly context?: RequestContext;
  /** Aborting it rejects with CANCELLED and cancels every outstanding hop. @default none */
  readonly signal?: AbortSignal;
}

/** What happened with one target. `elapsedMs` runs from the scatter to this target's outcome. */
export type TargetOutcome =
  | { readonly target: string; readonly status: 'ok'; readonly value: Message; readonly elapsedMs: number }
  | {
      readonly target: string;
      readonly status: 'error';
      readonly code: MeshErrorCode;
      readonly message: string;
      readonly retryable: boolean;
      readonly remote?: RemoteErrorInfo;
      readonly elapsedMs: number;
    }
  /** Still running when the gather was decided; its call was cancelled (its `ctx.signal` aborted). */
  | { readonly target: string; readonly status: 'cancelled'; readonly elapsedMs: number };

/** One successful reply. */
export interface ScatterReply {
  readonly target: string;
  /** The target's position in `targets`. */
  readonly index: number;
  readonly value: Message;
}

/** What {@link scatterGather} resolves to. */
export interface ScatterGatherResult {
  /** One outcome per target, in `targets` order. */
  readonly outcomes: readonly TargetOutcome[];
  /** The successful replies in arrival order (in `'first'` mode, exactly one). */
  readonly replies: readonly ScatterReply[];
}
