import { z } from 'zod';
import type { JsonValue } from './json.js';
import type { Message } from './message.js';

const json: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number().finite(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]),
);

/**
 * The zod schema of a {@link Message}, for users who validate messages in their own code. The mesh
 * itself uses a faster hand-written check with the same rules (plus size limits and cycle detection).
 */
export const MessageSchema: z.ZodType<Message> = z.object({
  id: z.string().min(1),
  role: z.enum(['user', 'assistant', 'system', 'tool']),
  content: json,
  name: z.string().optional(),
  metadata: z.record(z.string(), json),
}) as z.ZodType<Message>;
