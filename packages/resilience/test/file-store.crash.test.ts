import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileDeadLetterStore } from '../src/dead-letter/file-store.js';

// The child runs a bundle of this package's source, built here into node_modules/.cache (so it
// resolves @agentmesh/core like the package does), independent of whether `pnpm build` ran.
const root = join(import.meta.dirname, '..');
const outDir = join(root, 'node_modules', '.cache', 'resilience-crash-test');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlq-crash-'));
  await promisify(execFile)(join(root, 'node_modules', '.bin', 'tsup'), ['src/index.ts', '--no-config', '--format', 'esm', '--target', 'node20', '--out-dir', outDir, '--silent'], { cwd: root });
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the writer until it acknowledged `acks` records, then SIGKILLs it. `acked`: puts that
 * resolved; `removing`: removals started (maybe durable, maybe not); `removed`: removals resolved.
 */
function writeThenKill(path: string, acks: number): Promise<{ acked: Set<string>; removing: Set<string>; removed: Set<string>; compactions: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'crash-writer.mjs'), join(outDir, 'index.js'), path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Set<string>();
    const removing = new Set<string>();
    const removed = new Set<string>();
    let compactions = 0;
    let buffer = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [kind, id] = line.split(' ');
        if (kind === 'ack') acked.add(id!);
        if (kind === 'removing') removing.add(id!);
        if (kind === 'del') removed.add(id!);
        if (kind === 'compactions') compactions = Number(id);
      }
      if (acked.size >= acks) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve({ acked, removing, removed, compactions });
      else reject(new Error(`writer exited on its own (${String(_code)}): ${stderr}`));
    });
  });
}

describe('FileDeadLetterStore crash safety', () => {
  it('keeps every acknowledged dead letter when the writer is killed with SIGKILL, twice over', async () => {
    const path = join(dir, 'dead-letters.log');
    const first = await writeThenKill(path, 600);
    expect(first.compactions).toBeGreaterThan(0); // the kill lands among compactions, not before them
    const store = await FileDeadLetterStore.open({ path });
    const ids = new Set((await store.list()).map((r) => r.id));
    for (const id of first.acked) if (!first.removing.has(id)) expect(ids.has(id), `acknowledged ${id} lost`).toBe(true);
    for (const id of first.removed) expect(ids.has(id), `removed ${id} came back`).toBe(false);
    await store.close();
    // A second crash on top of the recovered log.
    const second = await writeThenKill(path, 200);
    const again = await FileDeadLetterStore.open({ path });
    const after = new Set((await again.list()).map((r) => r.id));
    for (const id of first.acked) if (!first.removing.has(id) && !second.removing.has(id)) expect(after.has(id)).toBe(true);
    for (const id of second.acked) if (!second.removing.has(id)) expect(after.has(id)).toBe(true);
    for (const id of second.removed) expect(after.has(id)).toBe(false);
    expect(again.stats().corruptLinesSkipped).toBe(0);
    await again.close();
  }, 60_000);
});
