import { describe, expect, it } from 'vitest';
import { MeshError, toHandlerError } from './mesh-error.js';
import { MeshErrorCode, RETRYABLE_BY_DEFAULT } from './codes.js';

describe('MeshError', () => {
  it('round-trips through JSON with the same code and facts', () => {
    const original = new MeshError('CIRCUIT_OPEN', 'open', { retryAfterMs: 500, details: { target: 'pager' }, agent: 'pager' });
    const copy = MeshError.fromJSON(JSON.parse(JSON.stringify(original)) as ReturnType<MeshError['toJSON']>);
    expect(copy).toMatchObject({ code: 'CIRCUIT_OPEN', message: 'open', retryAfterMs: 500, retryable: true, details: { target: 'pager' }, agent: 'pager' });
    expect(MeshError.is(copy, 'CIRCUIT_OPEN')).toBe(true);
  });

  it('is recognised across copies of the package by its Symbol.for marker', () => {
    // A second copy of the package has its own class but the same registered symbol.
    const foreign = Object.assign(Object.create({ [Symbol.for('agentmesh.error')]: true }) as object, { code: 'TIMEOUT' });
    expect(MeshError.is(foreign)).toBe(true);
    expect(MeshError.is(foreign, 'TIMEOUT')).toBe(true);
    expect(MeshError.is(foreign, 'CLOSED')).toBe(false);
    expect(MeshError.is(new Error('x'))).toBe(false);
    expect(MeshError.is(null)).toBe(false);
  });

  it('has a retryability default for every code', () => {
    for (const code of Object.values(MeshErrorCode)) expect(typeof RETRYABLE_BY_DEFAULT[code]).toBe('boolean');
    expect(new MeshError('TIMEOUT', 't').retryable).toBe(true);
    expect(new MeshError('ACCESS_DENIED', 'a').retryable).toBe(false);
    expect(new MeshError('HANDLER_ERROR', 'h', { retryable: true }).retryable).toBe(true);
  });

  it('captures no stack frames when built withoutStack', () => {
    const fast = MeshError.withoutStack('QUEUE_FULL', 'full');
    expect(fast.stack?.split('\n').length).toBe(1);
    expect(Error.stackTraceLimit).toBeGreaterThan(0);
  });

  it('maps unknown codes from the wire to TRANSPORT_ERROR', () => {
    const e = MeshError.fromJSON({ code: 'WHAT' as never, message: 'm', retryable: false });
    expect(e.code).toBe('TRANSPORT_ERROR');
  });
});

describe('toHandlerError', () => {
  it('keeps a MeshError as it is', () => {
    const e = new MeshError('INVALID_MESSAGE', 'bad');
    expect(toHandlerError(e, 'a')).toBe(e);
  });

  it('wraps other throws as HANDLER_ERROR with name, message and code', () => {
    const e = toHandlerError(Object.assign(new Error('boom'), { code: 42 }), 'worker');
    expect(e).toMatchObject({ code: 'HANDLER_ERROR', agent: 'worker', remote: { name: 'Error', message: 'boom', code: '42' }, retryable: true });
    expect(toHandlerError(new TypeError('x'), 'w').retryable).toBe(false);
    expect(toHandlerError(Object.assign(new Error('x'), { retryable: false }), 'w').retryable).toBe(false);
    expect(toHandlerError('plain string', 'w')).toMatchObject({ remote: { name: 'string', message: 'plain string' } });
  });
});

describe('MeshError.withoutStack', () => {
  it('is a full MeshError that serializes like one', () => {
    const e = MeshError.withoutStack('CIRCUIT_OPEN', 'open', { retryAfterMs: 10, agent: 'pager' });
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(MeshError);
    expect(MeshError.is(e, 'CIRCUIT_OPEN')).toBe(true);
    expect(e).toMatchObject({ name: 'MeshError', message: 'open', retryable: true, retryAfterMs: 10, agent: 'pager' });
    expect(e.toJSON()).toEqual(new MeshError('CIRCUIT_OPEN', 'open', { retryAfterMs: 10, agent: 'pager' }).toJSON());
    expect(String(e)).toBe('MeshError: open');
  });
});
