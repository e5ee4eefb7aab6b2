import { describe, expect, it } from 'vitest';
import type { UsageError} from './args.js';
import { DEFAULT_DLQ_DIR, DEFAULT_NATS_URL, parseArgs } from './args.js';

describe('parseArgs', () => {
  it('has defaults for a plain run, and ignores the "--" pnpm passes along', () => {
    expect(parseArgs(['--'])).toEqual({
      kind: 'run',
      options: { seed: 7, trace: undefined, transport: 'memory', natsUrl: DEFAULT_NATS_URL, dlqDir: DEFAULT_DLQ_DIR, live: 'auto', incidents: 6, json: false },
    });
  });

  it('reads every flag', () => {
    const parsed = parseArgs(['--seed', '3', '--incidents', '9', '--trace', 't.html', '--transport', 'nats', '--nats-url', 'nats://127.0.0.1:4333', '--dlq', 'd', '--no-live', '--json']);
    expect(parsed).toEqual({
      kind: 'run',
      options: { seed: 3, incidents: 9, trace: 't.html', transport: 'nats', natsUrl: 'nats://127.0.0.1:4333', dlqDir: 'd', live: 'never', json: true },
    });
  });

  it('reads the dlq commands', () => {
    expect(parseArgs(['dlq', 'list'])).toEqual({ kind: 'dlq-list', dlqDir: DEFAULT_DLQ_DIR });
    expect(parseArgs(['dlq', 'list', '--dlq', 'x'])).toEqual({ kind: 'dlq-list', dlqDir: 'x' });
    expect(parseArgs(['dlq', 'replay', 'abc-1'])).toEqual({ kind: 'dlq-replay', dlqDir: DEFAULT_DLQ_DIR, target: { id: 'abc-1' } });
    expect(parseArgs(['dlq', 'replay', '--all', '--dlq', 'y'])).toEqual({ kind: 'dlq-replay', dlqDir: 'y', target: { all: true } });
  });

  it('refuses what it does not know, saying what to fix', () => {
    const bad: [string[], RegExp][] = [
      [['--seed'], /--seed needs a value/],
      [['--seed', '-1'], /whole number from 0/],
      [['--incidents', '0'], /from 1 to 50/],
      [['--transport', 'udp'], /"memory" or "nats"/],
      [['--colour'], /unknown option "--colour"/],
      [['dlq'], /unknown dlq command/],
      [['dlq', 'replay'], /one record id or --all/],
      [['dlq', 'replay', 'a', '--all'], /one record id or --all/],
      [['dlq', 'list', '--dlq'], /--dlq needs a value/],
    ];
    for (const [argv, message] of bad) expect(() => parseArgs(argv)).toThrow(expect.objectContaining({ name: 'UsageError', message: expect.stringMatching(message) }) as UsageError);
  });

  it('answers --help anywhere', () => {
    expect(parseArgs(['--seed', '1', '-h'])).toEqual({ kind: 'help' });
  });
});
