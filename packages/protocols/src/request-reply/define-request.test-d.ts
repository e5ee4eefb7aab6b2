import type { Agent, JsonValue, Message, RequestContext } from '@agentmesh/core';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import type { HandshakeResult } from '../handshake/types.js';
import type { DeferredReply } from './deferred-reply.js';
import { defineRequest, type RequestHandlerInput, type RequestHandlerOutput, type RequestPayload, type RequestResult } from './define-request.js';
import type { IncomingRequest } from './incoming-request.js';
import type { RequestReplyProtocol } from './request-reply-protocol.js';

const Summarize = defineRequest('summarize', {
  input: z.object({ text: z.string(), maxWords: z.number().default(50) }),
  output: z.object({ summary: z.string() }),
});

const Schedule = defineRequest('schedule', {
  input: z.object({ at: z.string().transform((s) => new Date(s)) }),
  output: z.object({ epochMs: z.number() }).transform((o) => new Date(o.epochMs)),
});

declare const protocol: RequestReplyProtocol;
declare const agent: Agent;

describe('defineRequest types', () => {
  it('keeps the literal type name and the schemas', () => {
    expectTypeOf(Summarize.type).toEqualTypeOf<'summarize'>();
    expectTypeOf(Summarize.input).toEqualTypeOf<z.ZodObject<{ text: z.ZodString; maxWords: z.ZodDefault<z.ZodNumber> }>>();
  });

  it('infers what the caller sends (schema input) and gets (schema output)', () => {
    expectTypeOf<RequestPayload<typeof Summarize>>().toEqualTypeOf<{ text: string; maxWords?: number | undefined }>();
    expectTypeOf<RequestResult<typeof Summarize>>().toEqualTypeOf<{ summary: string }>();
    expectTypeOf<RequestPayload<typeof Schedule>>().toEqualTypeOf<{ at: string }>();
    expectTypeOf<RequestResult<typeof Schedule>>().toEqualTypeOf<Date>();
  });

  it('infers what the handler receives (after defaults and transforms) and returns (the wire form)', () => {
    expectTypeOf<RequestHandlerInput<typeof Summarize>>().toEqualTypeOf<{ text: string; maxWords: number }>();
    expectTypeOf<RequestHandlerInput<typeof Schedule>>().toEqualTypeOf<{ at: Date }>();
    expectTypeOf<RequestHandlerOutput<typeof Schedule>>().toEqualTypeOf<{ epochMs: number }>();
  });

  it('accepts zod/mini schemas', () => {
    const Mini = defineRequest('mini', { input: zm.object({ n: zm.number() }), output: zm.string() });
    expectTypeOf<RequestPayload<typeof Mini>>().toEqualTypeOf<{ n: number }>();
    expectTypeOf(protocol.sendRequest('a', 'b', Mini, { n: 1 })).resolves.toEqualTypeOf<string>();
  });
});

describe('sendRequest types', () => {
  it('resolves the parsed answer of a typed request and the reply message of an untyped one', () => {
    expectTypeOf(protocol.sendRequest('a', 'b', Summarize, { text: 'x' })).resolves.toEqualTypeOf<{ summary: string }>();
    expectTypeOf(protocol.sendRequest(agent, 'b', Schedule, { at: '2030-01-01' })).resolves.toEqualTypeOf<Date>();
    expectTypeOf(protocol.sendRequest('a', 'b', 'lookup', { id: 1 })).resolves.toEqualTypeOf<Message>();
  });

  it('refuses payloads that do not fit the schema at compile time', () => {
    // @ts-expect-error text must be a string
    void protocol.sendRequest('a', 'b', Summarize, { text: 1 });
    // @ts-expect-error text is required
    void protocol.sendRequest('a', 'b', Summarize, { maxWords: 3 });
    // @ts-expect-error an untyped payload must be JSON
    void protocol.sendRequest('a', 'b', 'lookup', { when: () => 1 });
  });
});

describe('handleRequest types', () => {
  it('types the handler from the definition', () => {
    protocol.handleRequest(agent, Summarize, (input, ctx, request) => {
      expectTypeOf(input).toEqualTypeOf<{ text: string; maxWords: number }>();
      expectTypeOf(ctx).toEqualTypeOf<RequestContext>();
      expectTypeOf(request).toEqualTypeOf<IncomingRequest<{ summary: string }>>();
      return { summary: input.text };
    });
    protocol.handleRequest(agent, Summarize, async (input) => ({ summary: input.text }));
    // @ts-expect-error the answer must fit the output schema
    protocol.handleRequest(agent, Summarize, () => ({ summary: 1 }));
  });

  it('lets a handler defer, with a typed later answer', () => {
    protocol.handleRequest(agent, Schedule, (input, _ctx, request) => {
      const reply = request.defer();
      expectTypeOf(reply).toEqualTypeOf<DeferredReply<{ epochMs: number }>>();
      expectTypeOf(reply.resolve).parameter(0).toEqualTypeOf<{ epochMs: number }>();
      expectTypeOf(reply.progress).parameter(0).toEqualTypeOf<JsonValue>();
      void reply.resolve({ epochMs: input.at.getTime() });
      return reply;
    });
  });
});

describe('HandshakeResult', () => {
  it('narrows on accepted, and reads like the DESIGN shape without narrowing', () => {
    const result = {} as HandshakeResult;
    expectTypeOf(result.version).toEqualTypeOf<string | undefined>();
    expectTypeOf(result.reason).toEqualTypeOf<string | undefined>();
    if (result.accepted) {
      expectTypeOf(result.version).toEqualTypeOf<string>();
      expectTypeOf(result.capabilities).toEqualTypeOf<readonly string[]>();
    } else {
      expectTypeOf(result.reason).toEqualTypeOf<string>();
    }
  });
});
