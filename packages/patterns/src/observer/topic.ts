import { assertAgentName, assertTopic } from '@agentmesh/core';

/** Default first token of the topics observable agents publish on. */
export const DEFAULT_OBSERVER_TOPIC_PREFIX = 'observe';

/**
 * The topic `agent`'s `event`s are published on: `<prefix>.<agent>.<event>`. Dots in the agent
 * name become `:` (agent names cannot contain `:`), so `orders.eu` never collides with an `eu`
 * event of `orders`. Pass `'>'` (or `'*'`) as the event to subscribe to every event of an agent,
 * e.g. from another process: `mesh.subscribe(observerTopic('orders', '>'), ...)`.
 *
 * @throws INVALID_ARGUMENT when the event is not dot-separated tokens of letters, digits, `_`, `:`, `-`.
 */
export function observerTopic(agent: string, event: string, prefix: string = DEFAULT_OBSERVER_TOPIC_PREFIX): string {
  assertAgentName(agent);
  const topic = `${prefix}.${agent.replaceAll('.', ':')}.${event}`;
  assertTopic(topic, event === '>' || event === '*');
  return topic;
}
