/**
 * Every way a mesh call can fail. The set is closed: transports carry the code across the wire
 * and the receiving side rebuilds the same code.
 */
export const MeshErrorCode = {
  AGENT_NOT_FOUND: 'AGENT_NOT_FOUND',
  ACCESS_DENIED: 'ACCESS_DENIED',
  TIMEOUT: 'TIMEOUT',
  CANCELLED: 'CANCELLED',
  MAX_DEPTH: 'MAX_DEPTH',
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  HANDLER_ERROR: 'HANDLER_ERROR',
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  QUEUE_FULL: 'QUEUE_FULL',
  ACQUIRE_TIMEOUT: 'ACQUIRE_TIMEOUT',
  NO_HANDLER: 'NO_HANDLER',
  TRANSPORT_ERROR: 'TRANSPORT_ERROR',
  CLOSED: 'CLOSED',
  AGENT_EXISTS: 'AGENT_EXISTS',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
} as const;

/** One of {@link MeshErrorCode}'s values. */
export type MeshErrorCode = (typeof MeshErrorCode)[keyof typeof MeshErrorCode];

/**
 * Whether a retry can help, by code, when the error itself does not say. Load and timing problems
 * are transient; addressing, authorisation and malformed input will fail the same way again.
 */
export const RETRYABLE_BY_DEFAULT: Readonly<Record<MeshErrorCode, boolean>> = {
  AGENT_NOT_FOUND: false,
  ACCESS_DENIED: false,
  TIMEOUT: true,
  CANCELLED: false,
  MAX_DEPTH: false,
  INVALID_MESSAGE: false,
  HANDLER_ERROR: false,
  CIRCUIT_OPEN: true,
  QUEUE_FULL: true,
  ACQUIRE_TIMEOUT: true,
  NO_HANDLER: false,
  TRANSPORT_ERROR: true,
  CLOSED: false,
  AGENT_EXISTS: false,
  INVALID_ARGUMENT: false,
};

const CODES = new Set<string>(Object.values(MeshErrorCode));

/** True when `value` is one of the known error codes. */
export function isMeshErrorCode(value: unknown): value is MeshErrorCode {
  return typeof value === 'string' && CODES.has(value);
}
