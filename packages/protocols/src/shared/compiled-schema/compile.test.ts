import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import * as core from 'zod/v4/core';
import type { $ZodType } from 'zod/v4/core';
import { compileSchema, type FastSchema } from './compile.js';

/** What the compiled code returns for a value it does not vouch for (zod would decide). */
const MISS = Symbol('miss');
const MISSES = { parse: () => MISS, check: () => MISS };
const fastParser = (schema: $ZodType): FastSchema | undefined => compileSchema(schema, MISSES);

/** A schema the fast parser should compile, and values to try on it (most valid, some not). */
interface Case {
  readonly schema: $ZodType;
  readonly value: fc.Arbitrary<unknown>;
}

const anyValue = fc.oneof(
  fc.anything(),
  fc.constantFrom(undefined, null, NaN, Infinity, -Infinity, -0, '', '\ud83d\ude00', '\ud800', [], {}),
);

/** Sometimes swaps a valid value for anything at all. */
function mostly(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anyValue });
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme', maxLength: 6 }));

const stringCase: fc.Arbitrary<Case> = fc
  .record({ min: fc.option(fc.nat(6)), max: fc.option(fc.nat(8)), length: fc.option(fc.nat(4)) })
  .map(({ min, max, length }) => {
    let schema = z.string();
    if (min !== null) schema = schema.min(min);
    if (max !== null) schema = schema.max(max);
    if (length !== null) schema = schema.length(length);
    return { schema, value: mostly(text) };
  });

const numbers = fc.oneof(fc.double(), fc.integer(), fc.integer({ min: -3, max: 3 }), fc.constantFrom(2 ** 53, -(2 ** 53), 2 ** 31, -(2 ** 31) - 1, 2 ** 32));

const numberCase: fc.Arbitrary<Case> = fc
  .record({
    format: fc.constantFrom('none', 'int', 'int32', 'uint32', 'float64', 'z.int'),
    gt: fc.option(fc.integer({ min: -5, max: 5 })),
    lte: fc.option(fc.integer({ min: -5, max: 5 })),
    positive: fc.boolean(),
  })
  .map(({ format, gt, lte, positive }) => {
    let schema =
      format === 'int' ? z.number().int() : format === 'int32' ? z.int32() : format === 'uint32' ? z.uint32() : format === 'float64' ? z.float64() : format === 'z.int' ? z.int() : z.number();
    if (gt !== null) schema = schema.gt(gt);
    if (lte !== null) schema = schema.lte(lte);
    if (positive) schema = schema.positive();
    return { schema, value: mostly(numbers) };
  });

const scalarCase: fc.Arbitrary<Case> = fc.oneof(
  stringCase,
  numberCase,
  fc.constant<Case>({ schema: z.boolean(), value: mostly(fc.boolean()) }),
  fc.constantFrom('a', 1, 0, true, null).map((v): Case => ({ schema: z.literal(v), value: mostly(fc.constantFrom('a', 1, 0, -0, true, null, 'b')) })),
  fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }).map((values): Case => ({
    schema: z.enum(values as [string, ...string[]]),
    value: mostly(fc.oneof(fc.constantFrom(...values), fc.string({ maxLength: 3 }))),
  })),
);

const { tree } = fc.letrec<{ tree: Case; nullable: Case; array: Case; object: Case }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarCase, tie('nullable'), tie('array'), tie('object')),
  nullable: tie('tree').map((inner): Case => ({ schema: z.nullable(inner.schema), value: fc.oneof(fc.constant(null), inner.value) })),
  array: fc.record({ inner: tie('tree'), min: fc.option(fc.nat(2)), max: fc.option(fc.nat(4)) }).map(({ inner, min, max }): Case => {
    let schema = z.array(inner.schema);
    if (min !== null) schema = schema.min(min);
    if (max !== null) schema = schema.max(max);
    return { schema, value: mostly(fc.array(inner.value, { maxLength: 5 })) };
  }),
  object: fc
    .uniqueArray(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'id', '0', 'constructor', 'with space'), child: tie('tree'), optional: fc.boolean() }), {
      maxLength: 4,
      selector: (f) => f.key,
    })
    .map((fields): Case => {
      const shape: Record<string, $ZodType> = {};
      const values: Record<string, fc.Arbitrary<unknown>> = {};
      for (const f of fields) {
        shape[f.key] = f.optional ? z.optional(f.child.schema) : f.child.schema;
        // Optional keys are sometimes absent, sometimes present but undefined.
        values[f.key] = f.optional ? fc.oneof(f.child.value, fc.constant(undefined)) : f.child.value;
      }
      const optionalKeys: string[] = fields.filter((f) => f.optional).map((f) => f.key);
      const value = fc
        .tuple(fc.record(values, { requiredKeys: Object.keys(values).filter((k) => !optionalKeys.includes(k)) }), fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue(), { maxKeys: 2 }))
        .map(([known, extra]) => ({ ...extra, ...known }));
      return { schema: z.object(shape), value: mostly(value) };
    }),
}));

/** Own keys in order, recursively: zod's output order must be kept, not just its content. */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (typeof value === 'object' && value !== null) return [Object.getPrototypeOf(value), Object.entries(value).map(([k, v]) => [k, keyOrder(v)])];
  return value;
}

describe('fastParser', () => {
  it('never accepts what zod refuses, and returns exactly what zod returns', () => {
    let accepted = 0;
    let total = 0;
    fc.assert(
      fc.property(
        tree.chain((c) => fc.tuple(fc.constant(c.schema), fc.array(c.value, { minLength: 1, maxLength: 8 }))),
        ([schema, values]) => {
          const fast = fastParser(schema);
          expect(fast).toBeDefined();
          for (const value of values) {
            total++;
            const out = fast!.parse(value);
            // Checking agrees with parsing.
            expect(fast!.check(value) === undefined).toBe(out !== MISS);
            if (out === MISS) continue;
            accepted++;
            const parsed = schema['~standard'].validate(value) as { value?: unknown; issues?: unknown };
            expect(parsed.issues).toBeUndefined();
            // Entries, not the objects: a `constructor` key would confuse toStrictEqual's type check.
            expect(keyOrder(out)).toStrictEqual(keyOrder(parsed.value));
          }
        },
      ),
      { numRuns: 1500 },
    );
    // The generators mostly make valid values: the fast path must actually take most of them.
    expect(accepted / total).toBeGreaterThan(0.3);
  });

  it('takes the common request shapes', () => {
    const schema = z.object({
      text: z.string().min(1).max(1000),
      maxWords: z.number().int().positive().optional(),
      tags: z.array(z.enum(['a', 'b'])).max(3),
      lang: z.literal('en').nullable(),
    });
    const fast = fastParser(schema)!.parse;
    const value = { text: 'hello', tags: ['a'], lang: null, extra: 1 };
    expect(fast(value)).toStrictEqual({ text: 'hello', tags: ['a'], lang: null });
    expect(fast({ ...value, maxWords: undefined })).toStrictEqual({ text: 'hello', maxWords: undefined, tags: ['a'], lang: null });
    expect(fast({ ...value, text: '' })).toBe(MISS);
    expect(fast({ ...value, maxWords: 1.5 })).toBe(MISS);
    // zod/mini builds the same defs.
    expect(fastParser(zm.object({ a: zm.string().check(zm.minLength(1)) }))!.parse({ a: 'x' })).toStrictEqual({ a: 'x' });
  });

  it('leaves to zod what it does not know for certain', () => {
    const unsupported: $ZodType[] = [
      z.string().trim(),
      z.string().toLowerCase(),
      z.email(),
      z.string().regex(/a/),
      z.string().refine((s) => s !== 'x'),
      z.string().default('x'),
      z.string().transform((s) => s.length),
      z.coerce.number(),
      z.number().multipleOf(2),
      z.strictObject({ a: z.string() }),
      z.looseObject({ a: z.string() }),
      z.object({ a: z.string() }).catchall(z.number()),
      z.object({ a: z.string().optional().default('x') }),
      z.object({ a: z.string() }).refine(() => true),
      z.string().optional(),
      z.array(z.string().optional()),
      z.nullable(z.string().optional()),
      z.literal(undefined),
      z.literal(10n),
      z.date(),
      z.any(),
      z.unknown(),
      z.union([z.string(), z.number()]),
      z.record(z.string(), z.string()),
      z.tuple([z.string()]),
      z.string().pipe(z.string()),
      z.string().readonly(),
      z.object({ a: z.lazy(() => z.string()) }),
    ];
    for (const schema of unsupported) expect(fastParser(schema), JSON.stringify(schema._zod.def.type)).toBeUndefined();
  });

  it('leaves variants with the same def to zod: exactOptional refuses a present undefined', () => {
    expect(fastParser(z.object({ a: z.string().exactOptional() }))).toBeUndefined();
    expect(fastParser(z.object({ a: z.string() }).exactPartial())).toBeUndefined();
    // The plain optional next to it is compiled.
    expect(fastParser(z.object({ a: z.string().optional() }))).toBeDefined();
  });

  it('asks zod about keys a Proxy reads but denies, and about values whose reading throws', () => {
    const fast = fastParser(z.object({ a: z.string(), b: z.string().optional() }))!;
    const denied = new Proxy({}, { get: (_t, k) => (k === 'a' || k === 'b' ? 'x' : undefined), has: () => false });
    expect(fast.parse(denied)).toBe(MISS);
    expect(fast.check(denied)).toBe(MISS);
    const throwing = {
      get a(): string {
        throw new Error('getter boom');
      },
    };
    expect(fast.parse(throwing)).toBe(MISS);
    expect(fast.check(throwing)).toBe(MISS);
  });

  it('runs no user code zod would not run: numbers are tested without valueOf', () => {
    let calls = 0;
    const boxed = {
      valueOf() {
        calls++;
        return 3;
      },
    };
    for (const schema of [z.number().positive().int(), z.number().gt(1).lt(5), z.int().min(0)]) {
      const fast = fastParser(schema)!;
      expect(fast.parse(boxed)).toBe(MISS);
      expect(fast.check(boxed)).toBe(MISS);
    }
    expect(calls).toBe(0);
  });

  it("leaves a schema type of someone's own to zod, even one built on zod's string", () => {
    const initString: (inst: core.$ZodString, def: core.$ZodStringDef) => void = core.$ZodString.init;
    const Shouting = core.$constructor('Shouting', (inst: core.$ZodString, def: core.$ZodStringDef) => {
      initString(inst, def);
      const parse = inst._zod.parse;
      inst._zod.parse = (payload, ctx) => {
        const out = parse(payload, ctx) as core.ParsePayload;
        if (typeof out.value === 'string') out.value = out.value.toUpperCase();
        return out;
      };
    });
    const schema = new Shouting({ type: 'string' });
    expect(core.parse(schema, 'hi')).toBe('HI');
    expect(fastParser(schema)).toBeUndefined();
    expect(fastParser(z.object({ a: schema }))).toBeUndefined();
  });

  it("checks enums against zod's own values, taken when the schema was built", () => {
    const entries: Record<string, string> = { A: 'a' };
    const schema = z.enum(entries);
    entries['A'] = 'b';
    const fast = fastParser(schema)!;
    expect(fast.parse('a')).toBe('a');
    expect(fast.parse('b')).toBe(MISS);
  });

  it('counts string lengths only where UTF-16 units and code points agree', () => {
    const min2 = fastParser(z.string().min(2))!.parse;
    expect(min2('ab')).toBe('ab');
    // Two units, one code point: zod releases disagree, so zod decides.
    expect(min2('\ud83d\ude00')).toBe(MISS);
    expect(min2('\ud83d\ude00\ud83d\ude00')).toBe('\ud83d\ude00\ud83d\ude00');
    const exactly1 = fastParser(z.string().length(1))!.parse;
    expect(exactly1('\ud83d\ude00')).toBe(MISS);
    expect(exactly1('a')).toBe('a');
  });

});
