import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeStoreContract, record } from '../../test/store-contract.js';
import { FileDeadLetterStore } from './file-store.js';
import { compactionPath } from './log-file.js';

const dirs: string[] = [];
async function tempPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dlq-'));
  dirs.push(dir);
  return join(dir, 'nested', 'dead-letters.log');
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describeStoreContract('file', async () => FileDeadLetterStore.open({ path: await tempPath() }));

describe('FileDeadLetterStore', () => {
  it('rebuilds its state when reopened', async () => {
    const path = await tempPath();
    const store = await FileDeadLetterStore.open({ path });
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => store.put(record(id))));
    await store.put(record('b', { attempts: 3 }));
    await store.remove('c');
    await store.close();
    const again = await FileDeadLetterStore.open({ path });
    expect((await again.list()).map((r) => [r.id, r.attempts])).toEqual([['a', 1], ['b', 3], ['d', 1]]);
    expect(await again.get('a')).toEqual(record('a'));
    await again.close();
  });

  it('applies remove, put and purge in the order they were called, even before it is open', async () => {
    const path = await tempPath();
    const fresh = new FileDeadLetterStore({ path });
    const calls = [fresh.put(record('a')), fresh.remove('a'), fresh.put(record('a', { attempts: 2 })), fresh.remove('b'), fresh.put(record('b'))];
    await Promise.all(calls);
    expect((await fresh.list()).map((r) => [r.id, r.attempts])).toEqual([['a', 2], ['b', 1]]);
    await fresh.close();
    const again = await FileDeadLetterStore.open({ path });
    expect((await again.list()).map((r) => [r.id, r.attempts])).toEqual([['a', 2], ['b', 1]]);
    await again.close();
  });

  it('skips a torn last record without losing the ones before it, and appends cleanly after', async () => {
    const path = await tempPath();
    const store = await FileDeadLetterStore.open({ path });
    await store.put(record('a'));
    await store.put(record('b'));
    await store.close();
    const size = (await stat(path)).size;
    await appendFile(path, '1a2b3c4d {"op":"put","record":{"id":"c","mess'); // a crash mid-write
    const reopened = await FileDeadLetterStore.open({ path });
    expect((await reopened.list()).map((r) => r.id)).toEqual(['a', 'b']);
    expect(reopened.stats()).toMatchObject({ tornBytesDropped: expect.any(Number) as number, records: 2 });
    expect(reopened.stats().tornBytesDropped).toBeGreaterThan(0);
    expect((await stat(path)).size).toBe(size);
    await reopened.put(record('c'));
    await reopened.close();
    const third = await FileDeadLetterStore.open({ path });
    expect((await third.list()).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(third.stats().corruptLinesSkipped).toBe(0);
    await third.close();
  });

  it('skips a corrupt line in the middle (bad checksum) and keeps the rest', async () => {
    const path = await tempPath();
    const store = await FileDeadLetterStore.open({ path });
    for (const id of ['a', 'b', 'c']) await store.put(record(id));
    await store.close();
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[1] = lines[1]!.replace('"target":"billing"', '"target":"BILLING"');
    await writeFile(path, lines.join('\n'));
    const reopened = await FileDeadLetterStore.open({ path });
    expect((await reopened.list()).map((r) => r.id)).toEqual(['a', 'c']);
    expect(reopened.stats().corruptLinesSkipped).toBe(1);
    await reopened.close();
  });

  it('compacts after removals: the log shrinks, the state stays', async () => {
    const path = await tempPath();
    const store = await FileDeadLetterStore.open({ path, compactMinGarbage: 10 });
    for (let i = 0; i < 20; i++) await store.put(record(`r${i}`));
    const before = (await stat(path)).size;
    for (let i = 0; i < 15; i++) await store.remove(`r${i}`);
    expect(store.stats().compactions).toBeGreaterThanOrEqual(1);
    expect(store.stats().garbage).toBeLessThan(10);
    expect((await stat(path)).size).toBeLessThan(before / 2);
    await store.close();
    const reopened = await FileDeadLetterStore.open({ path });
    expect((await reopened.list()).map((r) => r.id)).toEqual(['r15', 'r16', 'r17', 'r18', 'r19']);
    await reopened.compact();
    expect(reopened.stats()).toMatchObject({ garbage: 0, records: 5 });
    await reopened.close();
  });

  it('purge writes one line and survives a reopen; a leftover compaction file is ignored', async () => {
    const path = await tempPath();
    const store = await FileDeadLetterStore.open({ path });
    await store.put(record('a'));
    expect(await store.purge()).toBe(1);
    await store.put(record('b'));
    await store.close();
    await writeFile(compactionPath(path), 'half a compaction');
    const reopened = await FileDeadLetterStore.open({ path });
    expect((await reopened.list()).map((r) => r.id)).toEqual(['b']);
    await expect(stat(compactionPath(path))).rejects.toMatchObject({ code: 'ENOENT' });
    await reopened.close();
  });

  it('shares one write among concurrent puts and keeps them all', async () => {
    const path = await tempPath();
    const store = new FileDeadLetterStore({ path });
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.put(record(`c${i}`))));
    expect(await store.size()).toBe(200);
    await store.close();
    const text = await readFile(path, 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(200);
  });

  it('rejects records that are not plain JSON data', async () => {
    const store = await FileDeadLetterStore.open({ path: await tempPath() });
    await expect(store.put(record('a', { message: { id: 'm', role: 'user', content: { n: 1n } as never, metadata: {} } }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.put(record('b', { message: { id: 'm', role: 'user', content: { f: () => 1 } as never, metadata: {} } }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await store.size()).toBe(0);
    await store.close();
  });

  it('fails with a typed error when the log cannot be opened', async () => {
    const path = await tempPath();
    await writeFile(join(path, '..', '..', 'blocker'), 'x');
    const store = new FileDeadLetterStore({ path: join(path, '..', '..', 'blocker', 'log') });
    await expect(store.put(record('a'))).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    expect(() => new FileDeadLetterStore({ path: '' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
