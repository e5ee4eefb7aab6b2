import type { RequestContext } from '@agentmesh/core';
import { describe, expectTypeOf, it } from 'vitest';
import { ObservableAgent } from './observable-agent.js';
import type { ObservedEvent, ObserverOutcome } from './types.js';

declare const ctx: RequestContext;
const agent = new ObservableAgent({ name: 'orders' });

describe('ObservableAgent types', () => {
  it('returns outcomes only when awaited', () => {
    expectTypeOf(agent.notifyObservers('e', { id: 1 })).toEqualTypeOf<Promise<void>>();
    expectTypeOf(agent.notifyObservers('e', 1, ctx, { await: false })).toEqualTypeOf<Promise<void>>();
    expectTypeOf(agent.notifyObservers('e', 1, ctx, { await: true })).toEqualTypeOf<Promise<ObserverOutcome[]>>();
    expectTypeOf(agent.notifyObservers('e', 1, undefined, { await: true })).toEqualTypeOf<Promise<ObserverOutcome[]>>();
  });

  it('accepts agent names and functions of events as observers, and only JSON data', () => {
    agent.attachObserver('audit');
    agent.attachObserver((event) => {
      expectTypeOf(event).toEqualTypeOf<ObservedEvent>();
    });
    // @ts-expect-error an observer receives one event object
    agent.attachObserver((event: string, data: unknown) => void [event, data]);
    // @ts-expect-error data must be JSON
    void agent.notifyObservers('e', new Map());
  });
});
