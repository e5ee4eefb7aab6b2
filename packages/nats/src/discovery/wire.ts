import type { AgentInfo } from '@agentmesh/core';
import { decodeJson, encodeJson } from '../codec/json.js';
import { invalidMessage } from '../errors.js';
import { isSubjectPath } from '../subjects.js';

const MAX_REPORT_BYTES = 1024 * 1024;
const MAX_CAPABILITIES = 1024;

/** Encodes the agents one transport serves. */
export function encodeReport(agents: readonly AgentInfo[]): Uint8Array {
  return encodeJson({ agents: agents.map((a) => ({ name: a.name, capabilities: a.capabilities })) }, 'discovery report');
}

/** Decodes and validates another transport's report; INVALID_MESSAGE if it is not one. */
export function decodeReport(data: Uint8Array): AgentInfo[] {
  const value = decodeJson(data, MAX_REPORT_BYTES, 'discovery report');
  const agents = (value as { agents?: unknown } | null)?.agents;
  if (!Array.isArray(agents)) throw invalidMessage('discovery report must have an "agents" array');
  return agents.map((raw: unknown) => {
    const a = raw as { name?: unknown; capabilities?: unknown } | null;
    const name = a?.name;
    if (typeof name !== 'string' || !isSubjectPath(name)) throw invalidMessage('discovery report: agent name must be a valid agent name');
    const capabilities = a?.capabilities;
    if (!Array.isArray(capabilities) || capabilities.length > MAX_CAPABILITIES || !capabilities.every((c) => typeof c === 'string')) {
      throw invalidMessage(`discovery report: capabilities of "${name}" must be an array of strings`);
    }
    return { name, capabilities };
  });
}
