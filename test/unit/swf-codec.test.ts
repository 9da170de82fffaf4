import { describe, expect, it } from 'vitest';
import {
  InputError,
  LimitError,
  ResultError,
  SWF_LIMITS,
  assertResultFits,
  decodeFlowyInput,
  encodeFlowyInput,
  encodeJsonResult,
  safeJsonParse,
} from '../../src/swf/index.js';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('decodeFlowyInput', () => {
  it('spreads args and appends non-empty kwargs as the last argument', () => {
    expect(decodeFlowyInput('[["a", 1, null], {"key": "value"}]')).toEqual(['a', 1, null, { key: 'value' }]);
  });

  it('does not append empty kwargs', () => {
    expect(decodeFlowyInput('[["a", 1], {}]')).toEqual(['a', 1]);
  });

  it('takes [args] with kwargs omitted, and [] as no arguments', () => {
    expect(decodeFlowyInput('[["a"]]')).toEqual(['a']);
    expect(decodeFlowyInput('[]')).toEqual([]);
  });

  it('gives no arguments for empty or missing input', () => {
    expect(decodeFlowyInput('')).toEqual([]);
    expect(decodeFlowyInput(undefined)).toEqual([]);
  });

  it('is the inverse of encodeFlowyInput', () => {
    expect(encodeFlowyInput(['a', 1], { k: [1, 2] })).toBe('[["a",1],{"k":[1,2]}]');
    expect(encodeFlowyInput()).toBe('[[],{}]');
    expect(decodeFlowyInput(encodeFlowyInput(['a', { nested: true }], { k: 1 }))).toEqual(['a', { nested: true }, { k: 1 }]);
    expect(decodeFlowyInput(encodeFlowyInput(['a', 2]))).toEqual(['a', 2]);
    expect(decodeFlowyInput(encodeFlowyInput())).toEqual([]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '[["a"], {', /^input is not JSON \(.+\); Flowy's wire format is the JSON text \[args, kwargs\]/],
    ['an object, not an array', '{"a": 1}', /^input must be the JSON array \[args, kwargs\], got an object; schedule the activity with input like/],
    ['a bare string', '"hello"', /^input must be the JSON array \[args, kwargs\], got a string;/],
    ['null', 'null', /^input must be the JSON array \[args, kwargs\], got null;/],
    ['more than 2 elements', '[[], {}, 3]', /^input must be the JSON array \[args, kwargs\], got an array of 3;/],
    ['args not an array', '[{"a": 1}, {}]', /^input\[0\] \(args\) must be an array, got an object; send \[args, kwargs\] with args a list$/],
    ['args a number', '[5]', /^input\[0\] \(args\) must be an array, got a number;/],
    ['kwargs an array', '[[], [1]]', /^input\[1\] \(kwargs\) must be an object, got an array of 1; send \[args, kwargs\] with kwargs an object$/],
    ['kwargs null', '[[], null]', /^input\[1\] \(kwargs\) must be an object, got null;/],
    ['kwargs a string', '[[], "k"]', /^input\[1\] \(kwargs\) must be an object, got a string;/],
  ];
  it.each(bad)('throws InputError for %s, naming the problem and the fix', (_what, input, message) => {
    const error = thrown(() => decodeFlowyInput(input));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toBeInstanceOf(LimitError);
    expect(error.name).toBe('InputError');
    expect(error.message).toMatch(message);
  });
});

describe('safeJsonParse', () => {
  it('parses ordinary JSON as JSON.parse does', () => {
    const text = '{"a": [1, "x", {"b": null}], "c": true}';
    expect(safeJsonParse(text)).toEqual(JSON.parse(text));
  });

  it('drops __proto__, constructor and prototype keys at any depth', () => {
    const parsed = safeJsonParse('{"__proto__": {"polluted": 1}, "a": {"constructor": {"prototype": {"polluted": 2}}, "ok": 1}, "prototype": 3}');
    expect(parsed).toEqual({ a: { ok: 1 } });
    const own = parsed as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(own, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(own)).toBe(Object.prototype);
  });

  it('drops the keys when spelled with \\u escapes', () => {
    const parsed = safeJsonParse('{"\\u005f_proto__": {"polluted": 1}, "\\u0063onstructor": 1, "protot\\u0079pe": 2, "k\\u0065y": "v"}');
    expect(parsed).toEqual({ key: 'v' });
  });

  it('keeps escaped text that is not a dangerous key', () => {
    expect(safeJsonParse('["caf\\u00e9", {"a\\u0062": 1}]')).toEqual(['café', { ab: 1 }]);
  });

  it('leaves Object.prototype clean when the decoded input is merged', () => {
    const input = decodeFlowyInput('[[], {"__proto__": {"polluted": "yes"}, "\\u005f_proto__": {"polluted2": "yes"}, "k": 1}]');
    // A naive deep merge, as activity code might write one: `target.__proto__` would be Object.prototype.
    const deep = (target: Record<string, unknown>, source: Record<string, unknown>): void => {
      for (const key of Object.keys(source)) {
        const value = source[key];
        if (value !== null && typeof value === 'object') deep((target[key] ??= {}) as Record<string, unknown>, value as Record<string, unknown>);
        else target[key] = value;
      }
    };
    deep({}, input[0] as Record<string, unknown>);
    expect(input).toEqual([{ k: 1 }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted2).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('encodeJsonResult', () => {
  it('encodes plain data as JSON and undefined as null', () => {
    expect(encodeJsonResult({ a: [1, 'b'] })).toBe('{"a":[1,"b"]}');
    expect(encodeJsonResult(undefined)).toBe('null');
    expect(encodeJsonResult(null)).toBe('null');
    expect(encodeJsonResult('s')).toBe('"s"');
  });

  it('throws ResultError for a BigInt, naming the cause and the fix', () => {
    const error = thrown(() => encodeJsonResult({ n: 1n }));
    expect(error).toBeInstanceOf(ResultError);
    expect(error.name).toBe('ResultError');
    expect(error.message).toMatch(/^result cannot be serialized as JSON \(.*BigInt.*\); return plain data: no BigInt, no cycles, or override serializeResult$/);
  });

  it('throws ResultError for a cyclic value', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const error = thrown(() => encodeJsonResult(cyclic));
    expect(error).toBeInstanceOf(ResultError);
    expect(error.message).toMatch(/^result cannot be serialized as JSON \(.*circular.*\);.*no cycles/is);
  });

  it('throws ResultError for a function, which has no JSON form', () => {
    const error = thrown(() => encodeJsonResult(() => 1));
    expect(error).toBeInstanceOf(ResultError);
    expect(error.message).toBe('result of type function has no JSON form; return plain data: no BigInt, no cycles, or override serializeResult');
  });
});

describe('assertResultFits', () => {
  it('takes exactly 32,768 characters', () => {
    expect(SWF_LIMITS.data).toBe(32_768);
    expect(() => assertResultFits('x'.repeat(32_768))).not.toThrow();
  });

  it('throws ResultError at 32,769 characters naming the size and the limit', () => {
    const error = thrown(() => assertResultFits('x'.repeat(32_769)));
    expect(error).toBeInstanceOf(ResultError);
    expect(error.message).toMatch(/^result is 32,769 characters; SWF allows 32,768: /);
  });
});
