import { invalidArgument } from '../shared/errors.js';

/** A `major.minor` protocol version: digits without leading zeros, e.g. `1.0` or `2.13`. */
export const VERSION_PATTERN: RegExp = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;

/** True when `value` is a `major.minor` version string. */
export function isProtocolVersion(value: unknown): value is string {
  return typeof value === 'string' && VERSION_PATTERN.test(value);
}

/** Highest minor spoken per major, from a list of `major.minor` versions. */
function highestMinorByMajor(versions: readonly string[], what: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const version of versions) {
    const match = VERSION_PATTERN.exec(version);
    if (match === null) throw invalidArgument(`${what}: ${JSON.stringify(version)} is not a major.minor version`);
    const major = Number(match[1]);
    const minor = Number(match[2]);
    const known = out.get(major);
    if (known === undefined || minor > known) out.set(major, minor);
  }
  return out;
}

/**
 * Agrees on a version, semver style: a side that speaks `M.m` also speaks every `M.x` with
 * `x <= m` (minor versions are backwards compatible), and different majors are incompatible.
 * Returns the highest common `major.minor`: the highest major both sides speak, at the lower of the
 * two sides' highest minors; `undefined` when no major is shared.
 *
 * @example negotiateVersion(['1.3', '2.1'], ['1.1', '2.0']) === '2.0'
 * @throws MeshError INVALID_ARGUMENT for a string that is not `major.minor`.
 */
export function negotiateVersion(offered: readonly string[], supported: readonly string[]): string | undefined {
  const ours = highestMinorByMajor(offered, 'offered versions');
  const theirs = highestMinorByMajor(supported, 'supported versions');
  let best: number | undefined;
  for (const major of ours.keys()) {
    if (theirs.has(major) && (best === undefined || major > best)) best = major;
  }
  if (best === undefined) return undefined;
  return `${best}.${Math.min(ours.get(best)!, theirs.get(best)!)}`;
}

/** Checks and copies a version list option: non-empty, every entry `major.minor`, no duplicates. */
export function assertVersions(versions: readonly string[], name: string): readonly string[] {
  if (!Array.isArray(versions) || versions.length === 0) throw invalidArgument(`${name} must list at least one major.minor version`);
  highestMinorByMajor(versions, name);
  return Object.freeze([...new Set<string>(versions)]);
}
