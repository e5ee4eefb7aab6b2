import { createMessage } from '@agentmesh/core';
import type { DeadLetterRecord } from '@agentmesh/resilience';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDeadLetterRecord, recordKey } from './record.js';
import { checkFilter, matchesFilter } from '@agentmesh/resilience';

const record: DeadLetterRecord = {
  id: 'r1',
  message: createMessage('hi'),
  target: 'billing',
  error: { name: 'MeshError', code: 'TIMEOUT', message: 'slow' },
  attempts: 2,
  firstFailedAt: 10,
  lastFailedAt: 20,
  traceId: 't',
};

describe('dead-letter records', () => {
  it('validate what they read back, keeping every field', () => {
    expect(parseDeadLetterRecord(JSON.parse(JSON.stringify(record)), 1000)).toEqual(record);
    expect(() => parseDeadLetterRecord({ ...record, id: '' }, 1000)).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
    expect(() => parseDeadLetterRecord({ ...record, attempts: -1 }, 1000)).toThrow(/attempts/);
    expect(() => parseDeadLetterRecord({ ...record, error: null }, 1000)).toThrow(/error/);
    expect(() => parseDeadLetterRecord({ ...record, message: { id: 'm' } }, 1000)).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
  });

  it('filter on target, code and the last-failure window', () => {
    expect(matchesFilter(record, {})).toBe(true);
    expect(matchesFilter(record, { target: 'billing', code: 'TIMEOUT', since: 20, until: 21 })).toBe(true);
    expect(matchesFilter(record, { since: 21 })).toBe(false);
    expect(matchesFilter(record, { until: 20 })).toBe(false);
    expect(matchesFilter(record, { code: 'HANDLER_ERROR' })).toBe(false);
    expect(() => checkFilter({ target: 3 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('key any id as one subject token', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (id) => {
        expect(recordKey(id)).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(Buffer.from(recordKey(id), 'base64url').toString('utf8')).toBe(Buffer.from(id, 'utf8').toString('utf8'));
      }),
    );
  });
});
