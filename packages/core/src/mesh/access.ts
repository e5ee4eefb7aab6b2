import type { AccessPolicy } from './types.js';

/** Turns an access policy into one predicate; allow-lists become set lookups. */
export function compileAccess(policy: AccessPolicy | undefined): ((from: string | undefined, to: string) => boolean) | undefined {
  if (policy === undefined) return undefined;
  if (typeof policy === 'function') return policy;
  const edges = new Map<string, Set<string>>();
  for (const [from, targets] of Object.entries(policy)) edges.set(from, new Set(targets));
  const any = edges.get('*');
  const allows = (set: Set<string> | undefined, to: string): boolean => set !== undefined && (set.has(to) || set.has('*'));
  // Anonymous callers (no `from`) match only the "*" entry.
  return (from, to) => allows(any, to) || (from !== undefined && allows(edges.get(from), to));
}
