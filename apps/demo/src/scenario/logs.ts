import { Rng } from '../rng.js';

/** One log line of a service during an incident. */
export type LogLine = {
  readonly service: string;
  readonly level: 'info' | 'warn' | 'error';
  readonly signature: string;
  readonly ms: number;
};

const SERVICES = ['checkout', 'payments', 'search', 'auth', 'inventory'] as const;
const SIGNATURES: Record<string, readonly string[]> = {
  checkout: ['cart-timeout', 'tax-service-5xx'],
  payments: ['card-declined-spike', 'ledger-lock', 'invoice-mismatch'],
  search: ['index-lag', 'shard-unavailable'],
  auth: ['token-expired-storm', 'login-5xx'],
  inventory: ['stock-drift', 'db-pool-exhausted'],
};

/** The incident's logs: the same seed and incident number always give the same lines. */
export function incidentLogs(seed: number, incident: number, count: number): LogLine[] {
  const rng = new Rng(seed * 7919 + incident);
  const hot = rng.pick(SERVICES);
  return Array.from({ length: count }, () => {
    const service = rng.chance(0.55) ? hot : rng.pick(SERVICES);
    const roll = rng.next();
    const level = roll < 0.2 ? 'error' : roll < 0.45 ? 'warn' : 'info';
    return { service, level, signature: rng.pick(SIGNATURES[service]!), ms: rng.int(2, 900) };
  });
}

/** What the analyzers find in a chunk of lines, and how partial results combine. */
export type LogSummary = {
  readonly lines: number;
  readonly errors: number;
  readonly warnings: number;
  /** Error and warning counts per `service/signature`. */
  readonly signatures: Record<string, number>;
  readonly slowest: number;
};

export function summarize(lines: readonly LogLine[]): LogSummary {
  const signatures: Record<string, number> = {};
  let errors = 0;
  let warnings = 0;
  let slowest = 0;
  for (const l of lines) {
    if (l.level === 'error') errors++;
    if (l.level === 'warn') warnings++;
    if (l.level !== 'info') {
      const key = `${l.service}/${l.signature}`;
      signatures[key] = (signatures[key] ?? 0) + 1;
    }
    slowest = Math.max(slowest, l.ms);
  }
  return { lines: lines.length, errors, warnings, signatures, slowest };
}

export function combine(parts: readonly LogSummary[]): LogSummary {
  const signatures: Record<string, number> = {};
  for (const p of parts) for (const [k, n] of Object.entries(p.signatures)) signatures[k] = (signatures[k] ?? 0) + n;
  return {
    lines: parts.reduce((n, p) => n + p.lines, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    warnings: parts.reduce((n, p) => n + p.warnings, 0),
    signatures,
    slowest: Math.max(0, ...parts.map((p) => p.slowest)),
  };
}

/** The ticket type the desk routes on, from the hottest signature's service. */
export function ticketType(summary: LogSummary): 'billing' | 'technical' | 'security' {
  const [top] = Object.entries(summary.signatures).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const service = top?.[0].split('/')[0];
  if (service === 'payments' || service === 'checkout') return 'billing';
  if (service === 'auth') return 'security';
  return 'technical';
}
