import { vi, describe, expect, it } from 'vitest';
import { track } from '../../test/support/outcome.js';
import { deferringWorld, Summarize } from '../../test/support/requests.js';
import { useFakeTime } from '../../test/support/time.js';
import { REQUEST_REPLY_PROTOCOL } from './wire.js';

const DAY = 24 * 60 * 60 * 1000;

// Found by an independent review; each once left a request unsettled or settled it wrongly.
describe('RequestReplyProtocol: review regressions', () => {
  useFakeTime();

  it('keeps waiting for an answer due in a month (timers longer than 24.8 days do not fire at once)', async () => {
    const { protocol, replies, clock } = await deferringWorld();
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 30 * DAY }));
    await vi.advanceTimersByTimeAsync(26 * DAY);
    expect(outcome.settled()).toBe(false);
    await replies[0]!.resolve({ summary: 'after a human', words: 3 });
    await expect(outcome.result).resolves.toMatchObject({ summary: 'after a human' });
    expect(clock.liveTimers).toBe(0);
  });

  it('still times out a month-long request after its month', async () => {
    const { protocol } = await deferringWorld();
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: 30 * DAY }));
    await vi.advanceTimersByTimeAsync(30 * DAY);
    await expect(outcome.result).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(protocol.pendingCount).toBe(0);
  });

  it('fails CLOSED a request whose call was still running at close() and deferred afterwards', async () => {
    const { protocol } = await deferringWorld(50);
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: Infinity }));
    await vi.advanceTimersByTimeAsync(10);
    protocol.close();
    await vi.advanceTimersByTimeAsync(50);
    await expect(outcome.result).rejects.toMatchObject({ code: 'CLOSED' });
    expect(protocol.pendingCount).toBe(0);
  });

  it('ignores an answer arriving through the mesh that names no sender (anybody could forge it)', async () => {
    const { mesh, protocol, replies } = await deferringWorld();
    const outcome = track(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }));
    await vi.advanceTimersByTimeAsync(1);
    const forged = await mesh.invoke('caller', { content: { summary: 'forged', words: 0 }, metadata: { protocol: REQUEST_REPLY_PROTOCOL, inReplyTo: replies[0]!.requestId, replyKind: 'result' } });
    expect(forged.content).toEqual({ delivered: false });
    expect(outcome.settled()).toBe(false);
    await replies[0]!.resolve({ summary: 'real', words: 1 });
    await expect(outcome.result).resolves.toMatchObject({ summary: 'real' });
  });
});
