/**
 * The part of a logger the protocols use. A pino `Logger` (such as `mesh.logger`, the default)
 * fits it, and so does a test spy.
 */
export interface ProtocolLogger {
  debug(facts: object, message: string): void;
  warn(facts: object, message: string): void;
}
