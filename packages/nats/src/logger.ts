/**
 * The logging surface the transport needs. A pino `Logger` (what the mesh uses) satisfies it, so
 * pass `mesh.logger` or your own pino instance; the transport never depends on pino itself.
 */
export interface TransportLogger {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
  debug(details: object, message: string): void;
}

function ignore(): void {}

/** Logs nothing: the default, as the mesh is quiet by default. */
export const silentLogger: TransportLogger = { error: ignore, warn: ignore, info: ignore, debug: ignore };
