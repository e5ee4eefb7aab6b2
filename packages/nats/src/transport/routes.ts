import type { Subjects } from '../subjects.js';

/** Agents remembered at most; past this the memory starts over. */
const MAX_ROUTES = 1024;

/** What a caller has learnt about one agent it calls. */
export class Route {
  /** Moving average of how many of the recent replies came batched, from 0 to 1. */
  #batched = 0;

  constructor(readonly subject: string) {}

  /**
   * True while most recent replies came batched. Serving sides batch only replies that their
   * handler gave at once, so requests to such an agent may share a message without unbalancing
   * its replicas: each batch is done in moments wherever it lands.
   */
  get coalesce(): boolean {
    return this.#batched >= 0.5;
  }

  replied(batched: boolean): void {
    this.#batched += ((batched ? 1 : 0) - this.#batched) / 8;
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
