import { describe, expect, it } from 'vitest';
import { Idle } from './idle.js';

describe('Idle', () => {
  it('resolves true once the condition holds after a notify, false at the timeout', async () => {
    const idle = new Idle();
    let busy = 1;
    const waiting = idle.until(() => busy === 0, 5_000);
    busy = 0;
    idle.notify();
    await expect(waiting).resolves.toBe(true);
    await expect(idle.until(() => false, 10)).resolves.toBe(false);
    await expect(idle.until(() => true, 10)).resolves.toBe(true);
  });
});
