import { createMesh, defineAgent, type JsonValue, type Mesh, type Message } from '@agentmesh/core';
import { mapReduce } from '@agentmesh/patterns';
import type { BenchSuite } from '../harness.js';

const ITEMS = 100_000;
const MAPPERS = 8;

interface Item {
  readonly id: number;
  readonly value: number;
  [key: string]: JsonValue;
}

const sum = (values: readonly number[]): number => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

/** A mapper that sums the `value` of its chunk's items; the same agent serves both cases. */
function summingMapper(name: string) {
  return defineAgent({
    name,
    handle: (message: Message) => {
      let total = 0;
      for (const item of message.content as Item[]) total += item.value;
      return total;
    },
  });
}

/** The baseline: split by hand into one chunk per mapper, Promise.all over mesh.invoke, sum. */
async function handWritten(mesh: Mesh, data: readonly Item[], mappers: readonly string[], chunks: number): Promise<number> {
  const size = Math.ceil(data.length / chunks);
  const calls = new Array<Promise<Message>>(chunks);
  for (let i = 0; i < chunks; i++) calls[i] = mesh.invoke(mappers[i % mappers.length]!, { content: data.slice(i * size, (i + 1) * size) });
  const replies = await Promise.all(calls);
  return sum(replies.map((r) => r.content as number));
}

/** mapReduce over 8 in-process mappers and 100k small items vs the same work written by hand. */
export default async function patternsSuites(): Promise<BenchSuite[]> {
  const mesh = createMesh({ defaultTimeoutMs: 30_000 });
  const mappers = Array.from({ length: MAPPERS }, (_, i) => `mapper-${i}`);
  for (const name of mappers) await mesh.register(summingMapper(name));
  const data: Item[] = Array.from({ length: ITEMS }, (_, i) => ({ id: i, value: i % 97 }));
  const expected = sum(data.map((d) => d.value));
  const reducer = (results: readonly number[]): number => sum(results);

  // Check both cases compute the same thing before timing them.
  const checks = [
    (await mapReduce({ mesh, data, mappers, reducer })).value,
    (await mapReduce({ mesh, data, mappers, reducer, chunkSize: 1_000 })).value,
    await handWritten(mesh, data, mappers, MAPPERS),
    await handWritten(mesh, data, mappers, 100),
  ];
  if (checks.some((total) => total !== expected)) throw new Error(`benchmark cases disagree: ${checks.join(', ')} vs ${expected}`);

  return [
    {
      title: 'map-reduce, 100k small items over 8 in-process mappers (one chunk per mapper)',
      reference: 'hand-written Promise.all over mesh.invoke',
      target: 'mapReduce >= 0.83x the hand-written version (at most 1.2x its cost)',
      cases: [
        { name: 'hand-written Promise.all over mesh.invoke', ops: ITEMS, run: async () => void (await handWritten(mesh, data, mappers, MAPPERS)) },
        { name: 'mapReduce', ops: ITEMS, run: async () => void (await mapReduce({ mesh, data, mappers, reducer })) },
      ],
    },
    {
      title: 'map-reduce, 100k small items in 100 chunks of 1000 over 8 mappers',
      reference: 'hand-written Promise.all over mesh.invoke',
      target: 'mapReduce (8 chunks in flight, reassign bookkeeping) close to 100 unbounded invokes',
      cases: [
        { name: 'hand-written Promise.all over mesh.invoke', ops: ITEMS, run: async () => void (await handWritten(mesh, data, mappers, 100)) },
        { name: 'mapReduce (chunkSize 1000)', ops: ITEMS, run: async () => void (await mapReduce({ mesh, data, mappers, reducer, chunkSize: 1_000 })) },
      ],
      teardown: () => mesh.close(),
    },
  ];
}
