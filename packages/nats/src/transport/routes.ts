import type { Subjects } from '../subjects.js';

/** Agents remembered at most; past this the memory starts over. */
const MAX_ROUTES = 1024;
/** Share of recent replies that must have come batched for requests to be batched. */
const BATCHED_SHARE = 0.9;
/** Weight of each new reply in the moving average (about the last 16 count). */
const WEIGHT = 1 / 16;
/**
 * How long requests to an agent go one by one after a replica refused a whole batch: doubling
 * with each pause that ended in another refusal, up to DECLINED_FOR_MAX_MS, back to the start
 * once a batch is taken.
 */
export const DECLINED_FOR_MS = 1_000;
export const DECLINED_FOR_MAX_MS = 300_000;

/** What a caller has learnt about one agent it calls. */
export class Route {
  /** Moving average of how many of the recent replies came batched, from 0 to 1. */
  #batched = 0;
  /** Until when (performance.now()) requests go one by one; 0 when they need not. */
  #declinedUntil = 0;
  /** Refusals of whole batches in a row. */
  #refusals = 0;

  constructor(readonly subject: string) {}

  /**
   * True while nearly all recent replies came batched. Serving sides batch only replies that
   * their handler gave at once, so requests to such an agent may share a message without
   * unbalancing its replicas: each batch is done in moments wherever it lands (and a replica
   * declines the rest of a batch once a request in it does not answer at once).
   */
  get coalesce(): boolean {
    if (this.#declinedUntil !== 0) {
      if (performance.now() < this.#declinedUntil) return false;
      this.#declinedUntil = 0;
    }
    return this.#batched >= BATCHED_SHARE;
  }

  /** A reply came, batched or not (a request declined by a batch counts as not). */
  replied(batched: boolean): void {
    this.#batched += ((batched ? 1 : 0) - this.#batched) * WEIGHT;
  }

  /** A replica refused a whole batch (an older version, or it declines them): go one by one for a while. */
  decline(): void {
    this.#batched = 0;
    // Batches sent before the first refusal came back are refused too: one refusal per pause.
    if (this.#declinedUntil !== 0 && performance.now() < this.#declinedUntil) return;
    this.#declinedUntil = performance.now() + Math.min(DECLINED_FOR_MS * 2 ** this.#refusals, DECLINED_FOR_MAX_MS);
    this.#refusals = Math.min(this.#refusals + 1, 30);
  }

  /** A replica took a batch. */
  accepted(): void {
    this.#refusals = 0;
  }
}

/** The caller's routes by agent name. */
export class Routes {
  readonly #subjects: Subjects;
  readonly #routes = new Map<string, Route>();

  constructor(subjects: Subjects) {
    this.#subjects = subjects;
  }

  get(agent: string): Route {
    let route = this.#routes.get(agent);
    if (route === undefined) {
      if (this.#routes.size >= MAX_ROUTES) this.#routes.clear();
      route = new Route(this.#subjects.agent(agent));
      this.#routes.set(agent, route);
    }
    return route;
  }
}
