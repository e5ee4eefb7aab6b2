import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { Cancellation } from './cancellation.js';

const reason = () => new MeshError('CANCELLED', 'stop');

describe('Cancellation', () => {
  it('runs listeners once, removes them on request, and creates its signal lazily', () => {
    const c = new Cancellation();
    const heard: string[] = [];
    const off = c.onCancel(() => heard.push('a'));
    c.onCancel(() => heard.push('b'));
    off();
    expect(c.listenerCount).toBe(1);
    const r = reason();
    c.cancel(r);
    c.cancel(new MeshError('TIMEOUT', 'late'));
    expect(heard).toEqual(['b']);
    expect(c.signal.aborted).toBe(true);
    expect(c.signal.reason).toBe(r);
    expect(c.listenerCount).toBe(0);
  });

  it('cancels a child with its parent, and leaves no listener on the parent once nobody listens', () => {
    const parent = new Cancellation();
    const children = Array.from({ length: 1000 }, () => new Cancellation(parent));
    expect(parent.listenerCount).toBe(0);
    const offs = children.map((c) => c.onCancel(() => undefined));
    expect(parent.listenerCount).toBe(1000);
    offs.forEach((off) => off());
    expect(parent.listenerCount).toBe(0);
    const child = new Cancellation(parent);
    const heard: MeshError[] = [];
    child.onCancel((r) => heard.push(r));
    const signal = new Cancellation(parent).signal;
    const r = reason();
    parent.cancel(r);
    expect(heard).toEqual([r]);
    expect(signal.aborted).toBe(true);
    expect(new Cancellation(parent).cancelled).toBe(true);
  });

  it('does not cancel the parent when a child is cancelled', () => {
    const parent = new Cancellation();
    const child = new Cancellation(parent);
    child.onCancel(() => undefined);
    child.cancel(reason());
    expect(parent.cancelled).toBe(false);
    expect(parent.listenerCount).toBe(0);
  });
});
