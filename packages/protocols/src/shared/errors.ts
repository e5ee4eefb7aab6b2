import { MeshError, type JsonObject } from '@agentmesh/core';
import type { $ZodIssue } from 'zod/v4/core';

/** At most this many schema issues are listed in an error (a huge payload can have thousands). */
const MAX_LISTED_ISSUES = 20;

/** INVALID_ARGUMENT: the caller passed a bad option or argument (a programming error, never retried). */
export function invalidArgument(message: string): MeshError {
  return new MeshError('INVALID_ARGUMENT', message);
}

/** INVALID_MESSAGE for a message that is not what the protocol expects. */
export function invalidMessage(message: string, agent?: string): MeshError {
  return new MeshError('INVALID_MESSAGE', message, agent === undefined ? {} : { agent });
}

/**
 * INVALID_MESSAGE naming what failed its schema and why. `details.issues` lists each issue's
 * path (`items[2].id`), zod code and message, so the caller can point at the offending field.
 */
export function schemaMismatch(what: string, issues: readonly $ZodIssue[]): MeshError {
  const shown = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => ({ path: formatPath(issue.path), code: issue.code, message: issue.message }));
  const summary = shown.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
  const listed: JsonObject[] = shown;
  return new MeshError('INVALID_MESSAGE', `${what} does not match its schema: ${summary}`, {
    details: { issues: listed, issueCount: issues.length },
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
