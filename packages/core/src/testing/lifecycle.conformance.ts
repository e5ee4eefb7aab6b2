import { describe, expect, it } from 'vitest';
import { Agent } from '../agent/agent.js';
import type { World } from './world.js';

/** Registration and shutdown. */
export function lifecycleConformance(world: () => World): void {
  describe('lifecycle', () => {
    it('close() waits for in-flight calls (nested ones included), then refuses with CLOSED', async () => {
      const mesh = await world().mesh();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      await world().agents(
        mesh,
        {
          name: 'slow',
          async handle(m, ctx) {
            await gate;
            return this.invoke('helper', m, { context: ctx });
          },
        },
        { name: 'helper', handle: (m) => ({ helped: m.content }) },
      );
      const inFlight = mesh.invoke('slow', 'job');
      await new Promise((r) => setTimeout(r, 10));
      let closed = false;
      const closing = mesh.close().then(() => (closed = true));
      await new Promise((r) => setTimeout(r, 10));
      expect(closed).toBe(false);
      await expect(mesh.invoke('helper', 'new work')).rejects.toMatchObject({ code: 'CLOSED' });
      release();
      await expect(inFlight).resolves.toMatchObject({ content: { helped: 'job' } });
      await closing;
      expect(closed).toBe(true);
      await expect(mesh.invoke('slow', 'again')).rejects.toMatchObject({ code: 'CLOSED' });
      await expect(mesh.publish('x', 'y')).rejects.toMatchObject({ code: 'CLOSED' });
    });

    it('refuses a second live agent with the same name, and serves it again after unregister', async () => {
      const mesh = await world().mesh();
      class Named extends Agent {
        override handle(): string {
          return this.name;
        }
      }
      await mesh.register(new Named({ name: 'solo' }));
      await expect(mesh.register(new Named({ name: 'solo' }))).rejects.toMatchObject({ code: 'AGENT_EXISTS' });
      expect(await mesh.unregister('solo')).toBe(true);
      await expect(mesh.invoke('solo', 'x')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
      await mesh.register(new Named({ name: 'solo' }));
      await expect(mesh.invoke('solo', 'x')).resolves.toMatchObject({ content: 'solo' });
    });

    it('discovers reachable agents with their capabilities', async () => {
      const mesh = await world().mesh();
      await world().agents(mesh, { name: 'triage', capabilities: ['classify', 'route'], handle: () => 'ok' });
      const found = await mesh.discover();
      expect(found.find((a) => a.name === 'triage')).toMatchObject({ capabilities: ['classify', 'route'] });
    });
  });
}
