import { describe, expect, it } from 'vitest';
import { Coalescer } from './coalescer.js';

interface Sent {
  key: string;
  items: string[];
}

function recorder(maxItems: number, maxBytes: number): { coalescer: Coalescer<string>; sent: Sent[] } {
  const sent: Sent[] = [];
  const coalescer = new Coalescer<string>(
    {
      size: (item) => item.length,
      one: (key, item) => sent.push({ key, items: [item] }),
      many: (key, items) => {
        expect(items.length).toBeGreaterThan(1);
        sent.push({ key, items });
      },
    },
    maxItems,
    () => maxBytes,
  );
  return { coalescer, sent };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('sends what was added in one turn together per key, in order, once the turn is done', async () => {
    const { coalescer, sent } = recorder(10, 1_000);
    coalescer.add('a', 'a1');
    coalescer.add('b', 'b1');
    coalescer.add('a', 'a2');
    expect(sent).toEqual([]);
    await turn();
    expect(sent).toEqual([
      { key: 'a', items: ['a1', 'a2'] },
      { key: 'b', items: ['b1'] },
    ]);
  });

  it('sends a lone item on its own', async () => {
    const { coalescer, sent } = recorder(10, 1_000);
    coalescer.add('a', 'only');
    await turn();
    expect(sent).toEqual([{ key: 'a', items: ['only'] }]);
  });

  it('splits by item count and by bytes, and sends an item larger than the limit alone', async () => {
    const { coalescer, sent } = recorder(3, 10);
    for (const item of ['1', '2', '3', '4', '5']) coalescer.add('n', item);
    coalescer.add('s', 'aaaa');
    coalescer.add('s', 'bbbb');
    coalescer.add('s', 'cccc');
    coalescer.add('s', 'x'.repeat(25));
    coalescer.add('s', 'd');
    await turn();
    expect(sent).toEqual([
      { key: 'n', items: ['1', '2', '3'] },
      { key: 'n', items: ['4', '5'] },
      { key: 's', items: ['aaaa', 'bbbb'] },
      { key: 's', items: ['cccc'] },
      { key: 's', items: ['x'.repeat(25)] },
      { key: 's', items: ['d'] },
    ]);
  });

  it('flushes on demand, and takes items added while sending into the next turn', async () => {
    const sent: string[][] = [];
    const coalescer: Coalescer<string> = new Coalescer<string>(
      {
        size: () => 1,
        one: (_key, item) => {
          sent.push([item]);
          if (item === 'first') coalescer.add('k', 'later');
        },
        many: (_key, items) => sent.push(items),
      },
      10,
      () => 100,
    );
    coalescer.add('k', 'first');
    coalescer.flush();
    expect(sent).toEqual([['first']]);
    await turn();
    expect(sent).toEqual([['first'], ['later']]);
    coalescer.flush();
    expect(sent).toHaveLength(2);
  });
});
