/** The demo's command line, parsed. */
export type Command =
  | { readonly kind: 'run'; readonly options: RunOptions }
  | { readonly kind: 'dlq-list'; readonly dlqDir: string }
  | { readonly kind: 'dlq-replay'; readonly dlqDir: string; readonly target: { readonly id: string } | { readonly all: true } }
  | { readonly kind: 'help' };

export interface RunOptions {
  readonly seed: number;
  readonly trace: string | undefined;
  readonly transport: 'memory' | 'nats';
  readonly natsUrl: string;
  readonly dlqDir: string;
  readonly live: 'auto' | 'always' | 'never';
  readonly incidents: number;
  /** Print the report as JSON on stdout (progress goes to stderr). */
  readonly json: boolean;
}

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_DLQ_DIR = '.dlq';

export const HELP = `agentmesh demo: an incident-response desk run by cooperating agents

Usage:
  pnpm demo [options]                 run the scenario
  pnpm demo -- dlq list [--dlq DIR]   list the dead letters the scenario left
  pnpm demo -- dlq replay <id|--all> [--dlq DIR]
                                      re-deliver dead letters (removed on success)

Options:
  --seed N            seed of the deterministic scenario (default 7)
  --incidents N       incidents to work through, 1-50 (default 6)
  --trace FILE        write a message-flow sequence diagram (HTML) of the run
  --transport T       memory (default) or nats: specialists run in worker processes over NATS
  --nats-url URL      NATS server for --transport nats (default ${DEFAULT_NATS_URL})
  --dlq DIR           folder of the file dead letter queue (default ${DEFAULT_DLQ_DIR})
  --live / --no-live  force the live view on or off (default: on when stdout is a terminal)
  --json              print the report as JSON on stdout; progress goes to stderr
  -h, --help          this help
`;

/** A bad command line; the message says what to fix. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses argv (without node and the script); throws UsageError on anything it does not know. */
export function parseArgs(argv: readonly string[]): Command {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  if (args.includes('-h') || args.includes('--help')) return { kind: 'help' };
  let dlqDir = DEFAULT_DLQ_DIR;
  const value = (i: number, flag: string): string => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  if (args[0] === 'dlq') {
    const sub = args[1];
    const rest = args.slice(2);
    const positional: string[] = [];
    let all = false;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a === '--dlq') {
        const dir = rest[++i];
        if (dir === undefined || dir.startsWith('--')) throw new UsageError('--dlq needs a value');
        dlqDir = dir;
      } else if (a === '--all') all = true;
      else if (a.startsWith('-')) throw new UsageError(`unknown option ${a} for dlq ${sub ?? ''}`);
      else positional.push(a);
    }
    if (sub === 'list' && positional.length === 0 && !all) return { kind: 'dlq-list', dlqDir };
    if (sub === 'replay') {
      if (all && positional.length === 0) return { kind: 'dlq-replay', dlqDir, target: { all: true } };
      if (!all && positional.length === 1) return { kind: 'dlq-replay', dlqDir, target: { id: positional[0]! } };
      throw new UsageError('dlq replay takes one record id or --all');
    }
    throw new UsageError(`unknown dlq command ${JSON.stringify(sub ?? '')}: use "dlq list" or "dlq replay <id|--all>"`);
  }
  let seed = 7;
  let incidents = 6;
  let trace: string | undefined;
  let transport: RunOptions['transport'] = 'memory';
  let natsUrl = DEFAULT_NATS_URL;
  let live: RunOptions['live'] = 'auto';
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    switch (a) {
      case '--seed':
        seed = integer(value(i++, a), a, 0, 2 ** 31 - 1);
        break;
      case '--incidents':
        incidents = integer(value(i++, a), a, 1, 50);
        break;
      case '--trace':
        trace = value(i++, a);
        break;
      case '--transport': {
        const t = value(i++, a);
        if (t !== 'memory' && t !== 'nats') throw new UsageError(`--transport must be "memory" or "nats", got ${JSON.stringify(t)}`);
        transport = t;
        break;
      }
      case '--nats-url':
        natsUrl = value(i++, a);
        break;
      case '--dlq':
        dlqDir = value(i++, a);
        break;
      case '--live':
        live = 'always';
        break;
      case '--no-live':
        live = 'never';
        break;
      case '--json':
        json = true;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(a)} (see --help)`);
    }
  }
  return { kind: 'run', options: { seed, trace, transport, natsUrl, dlqDir, live, incidents, json } };
}

function integer(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}
