import { vi } from 'vitest';
import type { ProtocolLogger } from '../../src/shared/logger.js';

/** A logger whose calls tests can inspect. */
export interface SpyLogger extends ProtocolLogger {
  readonly debug: ReturnType<typeof vi.fn<ProtocolLogger['debug']>>;
  readonly warn: ReturnType<typeof vi.fn<ProtocolLogger['warn']>>;
}

export function spyLogger(): SpyLogger {
  return { debug: vi.fn<ProtocolLogger['debug']>(), warn: vi.fn<ProtocolLogger['warn']>() };
}
