import type { Node } from './node.js';

/**
 * One function for the whole schema: `copy` builds zod's output (fresh objects and arrays, keys in
 * shape order), otherwise it only checks (and returns undefined). Any doubt hands the whole value
 * to `miss`. Keys are written as JSON string literals, so every property access is a constant one;
 * sets of allowed values come in through `constants`.
 */
export function generate(node: Node, copy: boolean, constants: unknown[], miss: (value: unknown) => unknown): (value: unknown) => unknown {
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}${counter++}`;
  const lines: string[] = [];
  // Every doubt leaves the labelled block and hands the value to `miss`.
  const fail = 'break fail;';

  /** Appends code that checks `input` and leaves its output in the returned expression. */
  const emit = (n: Node, input: string): string => {
    switch (n.kind) {
      case 'string':
        lines.push(`if (typeof ${input} !== 'string') ${fail}`);
        // Below 2 * min units only a string without surrogates is certain (units = code points).
        if (n.min > 0) lines.push(`if (${input}.length < ${2 * n.min} && (${input}.length < ${n.min} || SURROGATE.test(${input}))) ${fail}`);
        if (n.max !== undefined) lines.push(`if (${input}.length > ${n.max}) ${fail}`);
        if (n.length !== undefined) lines.push(`if (${input}.length !== ${n.length} || SURROGATE.test(${input})) ${fail}`);
        return input;
      case 'number': {
        // Number.isFinite, isInteger and isSafeInteger are false for anything but a number (and
        // never call valueOf): one of them runs before any comparison, integer tests first.
        const integer = n.tests.some((test) => test.op === 'int');
        if (!integer) lines.push(`if (!Number.isFinite(${input})) ${fail}`);
        const ordered = [...n.tests].sort((a, b) => Number(b.op === 'int') - Number(a.op === 'int'));
        for (const test of ordered) {
          if (test.op !== 'int') lines.push(`if (!(${input} ${test.op} ${String(test.bound)})) ${fail}`);
          else if (test.min === Number.MIN_SAFE_INTEGER && test.max === Number.MAX_SAFE_INTEGER) lines.push(`if (!Number.isSafeInteger(${input})) ${fail}`);
          else lines.push(`if (!Number.isInteger(${input}) || ${input} < ${test.min} || ${input} > ${test.max}) ${fail}`);
        }
        return input;
      }
      case 'boolean':
        lines.push(`if (typeof ${input} !== 'boolean') ${fail}`);
        return input;
      case 'oneOf':
        lines.push(`if (!constants[${constants.push(n.values) - 1}].has(${input})) ${fail}`);
        return input;
      case 'nullable': {
        const out = fresh('n');
        lines.push(`let ${out} = null;`, `if (${input} !== null) {`);
        lines.push(`${out} = ${emit(n.inner, input)};`, '}');
        return out;
      }
      case 'array': {
        lines.push(`if (!Array.isArray(${input})) ${fail}`);
        if (n.min > 0) lines.push(`if (${input}.length < ${n.min}) ${fail}`);
        if (n.max !== undefined) lines.push(`if (${input}.length > ${n.max}) ${fail}`);
        if (n.length !== undefined) lines.push(`if (${input}.length !== ${n.length}) ${fail}`);
        const out = copy ? fresh('a') : input;
        const i = fresh('i');
        const item = fresh('e');
        if (copy) lines.push(`const ${out} = new Array(${input}.length);`);
        lines.push(`for (let ${i} = 0; ${i} < ${input}.length; ${i}++) {`, `const ${item} = ${input}[${i}];`);
        const parsed = emit(n.element, item);
        if (copy) lines.push(`${out}[${i}] = ${parsed};`);
        lines.push('}');
        return out;
      }
      case 'object': {
        lines.push(`if (typeof ${input} !== 'object' || ${input} === null || Array.isArray(${input})) ${fail}`);
        const out = copy ? fresh('o') : input;
        if (copy) lines.push(`const ${out} = {};`);
        for (const field of n.fields) {
          const key = JSON.stringify(field.key);
          const value = fresh('f');
          lines.push(`const ${value} = ${input}[${key}];`);
          // Present but undefined stays as undefined, absent stays absent, as zod does.
          if (field.optional) lines.push(`if (${value} === undefined) { ${copy ? `if (${key} in ${input}) ${out}[${key}] = undefined;` : ''} } else {`);
          // zod asks whether a key is there too; only a Proxy can answer a read but deny the key.
          lines.push(`if (!(${key} in ${input})) ${fail}`);
          const parsed = emit(field.node, value);
          if (copy) lines.push(`${out}[${key}] = ${parsed};`);
          if (field.optional) lines.push('}');
        }
        return out;
      }
    }
  };

  const result = emit(node, 'v');
  lines.push(copy ? `return ${result};` : 'return undefined;');
  // A getter or Proxy that throws while being read lands in `miss` too: zod reads it again and
  // reports the failure its own way.
  lines.unshift('fail: {', 'try {');
  lines.push('} catch {}', '}', 'return miss(v);');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from a schema's def: keys as JSON string literals, bounds as numbers
  const factory = new Function('miss', 'SURROGATE', 'constants', `return function ${copy ? 'parseFast' : 'checkFast'}(v) {\n${lines.join('\n')}\n};`) as (
    miss: (value: unknown) => unknown,
    surrogate: RegExp,
    constants: readonly unknown[],
  ) => (value: unknown) => unknown;
  return factory(miss, SURROGATE, constants);
}

const SURROGATE = /[\ud800-\udfff]/;
