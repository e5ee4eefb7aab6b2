import { expectTypeOf, test } from 'vitest';
import { createMessage, type Message } from './message.js';
import type { JsonValue } from './json.js';

test('createMessage keeps the content type', () => {
  expectTypeOf(createMessage('hi')).toEqualTypeOf<Message<string>>();
  expectTypeOf(createMessage({ content: { n: 1 } }).content).toEqualTypeOf<{ n: number }>();
  expectTypeOf<Message['content']>().toEqualTypeOf<JsonValue>();
  // @ts-expect-error functions are not JSON
  createMessage({ content: () => 1 });
});
