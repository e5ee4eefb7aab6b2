import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkedList } from './linked-list.js';
import { RingQueue } from './ring-queue.js';
import { durationOption, integerOption } from './validate.js';

describe('RingQueue', () => {
  it('behaves as a FIFO through growth and wrap-around', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.constant('shift' as const)), { maxLength: 300 }), (ops) => {
        const ring = new RingQueue<number>();
        const model: number[] = [];
        for (const op of ops) {
          if (op === 'shift') expect(ring.shift()).toBe(model.shift());
          else {
            ring.push(op);
            model.push(op);
          }
          expect(ring.length).toBe(model.length);
          expect(ring.peek()).toBe(model[0]);
        }
      }),
    );
  });
});

describe('LinkedList', () => {
  interface Node {
    id: number;
    prev: Node | undefined;
    next: Node | undefined;
  }

  it('keeps order when nodes leave from anywhere', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 20 }), { maxLength: 100 }), (ops) => {
        const list = new LinkedList<Node>();
        const model: Node[] = [];
        let id = 0;
        for (const op of ops) {
          if (op < 10 || model.length === 0) {
            const node: Node = { id: id++, prev: undefined, next: undefined };
            list.push(node);
            model.push(node);
          } else {
            const [node] = model.splice(op % model.length, 1);
            list.remove(node!);
          }
          const walked: number[] = [];
          for (let n = list.head; n !== undefined; n = n.next) walked.push(n.id);
          expect(walked).toEqual(model.map((n) => n.id));
          expect(list.size).toBe(model.length);
        }
      }),
    );
  });
});

describe('option checks', () => {
  it('accept what they promise and refuse the rest with INVALID_ARGUMENT', () => {
    expect(integerOption(3, 'n', 1, false)).toBe(3);
    expect(integerOption(Infinity, 'n', 1, true)).toBe(Infinity);
    expect(durationOption(0, 'ms', false)).toBe(0);
    expect(durationOption(Infinity, 'ms', true)).toBe(Infinity);
    for (const bad of [0, 1.5, '3', Number.NaN, Infinity, -Infinity, null]) {
      expect(() => integerOption(bad, 'n', 1, false)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    for (const bad of [-1, Number.NaN, Infinity, '5']) {
      expect(() => durationOption(bad, 'ms', false)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
