import { describe, expect, it } from 'vitest';
import { mergeAgents, ServedAgents } from './registry.js';
import { decodeReport, encodeReport } from './wire.js';

describe('discovery', () => {
  it('counts replicas per name and unions capabilities, sorted by name', () => {
    expect(
      mergeAgents([
        [{ name: 'triage', capabilities: ['classify'] }, { name: 'billing', capabilities: [] }],
        [{ name: 'triage', capabilities: ['classify', 'route'] }],
        [],
      ]),
    ).toEqual([
      { name: 'billing', capabilities: [], replicas: 1 },
      { name: 'triage', capabilities: ['classify', 'route'], replicas: 2 },
    ]);
  });

  it('lists served endpoints until removed', () => {
    const served = new ServedAgents();
    const remove = served.add({ name: 'a', capabilities: ['x'] });
    served.add({ name: 'a', capabilities: ['x'] });
    expect(served.size).toBe(2);
    remove();
    expect(served.list()).toEqual([{ name: 'a', capabilities: ['x'] }]);
  });

  it('round-trips reports and refuses malformed ones', () => {
    expect(decodeReport(encodeReport([{ name: 'a.b', capabilities: ['x'] }]))).toEqual([{ name: 'a.b', capabilities: ['x'] }]);
    const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
    expect(() => decodeReport(enc({}))).toThrow(/agents/);
    expect(() => decodeReport(enc({ agents: [{ name: 'bad name', capabilities: [] }] }))).toThrow(/agent name/);
    expect(() => decodeReport(enc({ agents: [{ name: 'ok', capabilities: [1] }] }))).toThrow(/capabilities/);
  });
});
