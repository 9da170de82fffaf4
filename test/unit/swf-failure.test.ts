import { describe, expect, it } from 'vitest';
import { SWF_LIMITS, TRUNCATION_MARKER, encodeFailure, failureReason, fitDetails, truncate } from '../../src/swf/index.js';

interface Details {
  type: string;
  message: string;
  stack?: string;
  cause?: Details;
  truncated?: true;
}

const details = (text: string): Details => JSON.parse(text) as Details;

class PaymentDeclined extends Error {
  override name = 'PaymentDeclined';
}

describe('truncate', () => {
  it('leaves text within the limit alone', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('', 0)).toBe('');
  });

  it('cuts text over the limit to exactly the limit, ending with the marker', () => {
    const cut = truncate('x'.repeat(300), 256);
    expect(cut).toHaveLength(256);
    expect(cut).toBe('x'.repeat(256 - TRUNCATION_MARKER.length) + TRUNCATION_MARKER);
    expect(truncate('abcdefghijklmnop', 14)).toBe('ab' + TRUNCATION_MARKER);
  });
});

describe('encodeFailure', () => {
  it('encodes an Error as `Name: message` and JSON details with type, message, stack and the cause chain', () => {
    const root = new TypeError('bad card number');
    const error = new PaymentDeclined('card refused', { cause: root });
    const { reason, details: text } = encodeFailure(error);
    expect(reason).toBe('PaymentDeclined: card refused');
    const d = details(text);
    expect(d).toMatchObject({ type: 'PaymentDeclined', message: 'card refused', cause: { type: 'TypeError', message: 'bad card number' } });
    expect(d.stack).toBe(error.stack);
    expect(d.cause?.stack).toBe(root.stack);
    expect(d.truncated).toBeUndefined();
  });

  it('encodes a thrown string as the reason itself', () => {
    expect(encodeFailure('out of stock')).toEqual({ reason: 'out of stock', details: '{"type":"string","message":"out of stock"}' });
  });

  it('encodes null and undefined', () => {
    expect(encodeFailure(null)).toEqual({ reason: 'null: null was thrown', details: '{"type":"null","message":"null was thrown"}' });
    expect(encodeFailure(undefined)).toEqual({
      reason: 'undefined: undefined was thrown',
      details: '{"type":"undefined","message":"undefined was thrown"}',
    });
  });

  it('encodes a plain object as its JSON', () => {
    const { reason, details: text } = encodeFailure({ code: 'E42', retry: false });
    expect(reason).toBe('Object: {"code":"E42","retry":false}');
    expect(details(text)).toEqual({ type: 'Object', message: '{"code":"E42","retry":false}' });
  });

  it('encodes a cyclic object without throwing', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const { reason, details: text } = encodeFailure(cyclic);
    expect(reason).toBe('Object: [object Object]');
    expect(details(text)).toEqual({ type: 'Object', message: '[object Object]' });
  });

  it('cuts a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const d = details(encodeFailure(a).details);
    expect(d.message).toBe('a');
    expect(d.cause?.message).toBe('b');
    expect(d.cause?.cause).toEqual({ type: 'Cycle', message: 'cause chain cut here (cyclic or deeper than 8)' });
  });

  it('cuts a cause chain deeper than 8', () => {
    let error = new Error('e0');
    for (let i = 1; i <= 12; i++) error = new Error(`e${i}`, { cause: error });
    let d: Details | undefined = details(encodeFailure(error).details);
    const messages: string[] = [];
    while (d) {
      messages.push(d.message);
      d = d.cause;
    }
    expect(messages.slice(0, 9)).toEqual(['e12', 'e11', 'e10', 'e9', 'e8', 'e7', 'e6', 'e5', 'e4']);
    expect(messages.at(-1)).toBe('cause chain cut here (cyclic or deeper than 8)');
  });

  it('cuts the reason to 256 characters with the marker', () => {
    const { reason } = encodeFailure(new Error('m'.repeat(1_000)));
    expect(reason).toHaveLength(SWF_LIMITS.reason);
    expect(reason.startsWith('Error: mmm')).toBe(true);
    expect(reason.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(failureReason('s'.repeat(300))).toHaveLength(256);
  });

  it('drops stacks first when details are over 32,768 characters, keeping the cause chain', () => {
    const cause = new Error('inner');
    cause.stack = 'at inner\n'.repeat(3_000);
    const error = new Error('outer', { cause });
    error.stack = 'at outer\n'.repeat(3_000);
    const text = encodeFailure(error).details;
    expect(text.length).toBeLessThanOrEqual(SWF_LIMITS.data);
    const d = details(text);
    expect(d).toMatchObject({ type: 'Error', message: 'outer', truncated: true, cause: { type: 'Error', message: 'inner' } });
    expect(d.stack).toBeUndefined();
    expect(d.cause?.stack).toBeUndefined();
  });

  it('cuts a long message so the details stay valid JSON of at most 32,768 characters', () => {
    const text = encodeFailure(new Error('m'.repeat(40_000))).details;
    expect(text.length).toBeLessThanOrEqual(SWF_LIMITS.data);
    const d = details(text);
    expect(d).toMatchObject({ type: 'Error', truncated: true });
    expect(d.message.endsWith(TRUNCATION_MARKER)).toBe(true);
    // The message keeps nearly all the room there is.
    expect(d.message.length).toBeGreaterThan(SWF_LIMITS.data - 100);
  });

  it.each([
    ['"\\n"', '\n', 2],
    ['"\\u0001"', '\u0001', 6],
    ['a quote', '"', 2],
  ])('cuts a message of %s repeated, which JSON-escapes to longer text, and keeps what fits', (_what, char, escapedLength) => {
    const text = encodeFailure(new Error(char.repeat(40_000))).details;
    expect(text.length).toBeLessThanOrEqual(SWF_LIMITS.data);
    const d = details(text);
    expect(d.truncated).toBe(true);
    expect(d.message.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(d.message.startsWith(char.repeat(10))).toBe(true);
    // Not cut to nothing: close to as many characters as their escaped form allows.
    expect(d.message.length).toBeGreaterThan((SWF_LIMITS.data - 100) / escapedLength);
  });

  it('does not hang on an error whose name alone is over the limit', () => {
    const error = new Error('boom');
    error.name = 'N'.repeat(40_000);
    const { reason, details: text } = encodeFailure(error);
    expect(reason).toHaveLength(256);
    expect(text.length).toBeLessThanOrEqual(SWF_LIMITS.data);
    expect(details(text)).toMatchObject({ truncated: true });
  });

  it('does not put a non-string error name into the details as an object', () => {
    const error = new Error('boom');
    (error as { name: unknown }).name = { nested: true };
    const d = details(encodeFailure(error).details);
    expect(d.type).toBe('Error');
  });
});

describe('fitDetails', () => {
  it('keeps a string as is and encodes anything else as JSON when it fits', () => {
    expect(fitDetails('plain text')).toBe('plain text');
    expect(fitDetails({ a: 1 })).toBe('{"a":1}');
    expect(fitDetails(undefined)).toBe('null');
    expect(fitDetails(null)).toBe('null');
    expect(fitDetails('x'.repeat(32_768))).toHaveLength(32_768);
  });

  it('cuts a string over the limit to valid JSON within the limit, saying how long it was', () => {
    const text = fitDetails('x'.repeat(40_000));
    expect(text.length).toBeLessThanOrEqual(SWF_LIMITS.data);
    const parsed = JSON.parse(text) as { truncated: boolean; originalLength: number; head: string };
    expect(parsed.truncated).toBe(true);
    expect(parsed.originalLength).toBe(40_000);
    expect(parsed.head.length).toBeGreaterThan(SWF_LIMITS.data - 100);
    expect(parsed.head).toMatch(/^x+$/);
  });

  it('cuts an object over the limit to valid JSON within the limit', () => {
    const big = { rows: Array.from({ length: 5_000 }, (_, i) => ({ id: i, note: 'n\n"' })) };
    const encoded = JSON.stringify(big);
    const text = fitDetails(big);
    expect(text.length).toBeLessThanOrEqual(SWF_LIMITS.data);
    const parsed = JSON.parse(text) as { truncated: boolean; originalLength: number; head: string };
    expect(parsed).toMatchObject({ truncated: true, originalLength: encoded.length });
    expect(encoded.startsWith(parsed.head)).toBe(true);
  });

  it.each(['\n', '\u0001'])('keeps what fits of text that escapes to longer text (%j)', (char) => {
    const text = fitDetails(char.repeat(40_000));
    expect(text.length).toBeLessThanOrEqual(SWF_LIMITS.data);
    const parsed = JSON.parse(text) as { head: string };
    expect(parsed.head.length).toBeGreaterThan((SWF_LIMITS.data - 100) / JSON.stringify(char).slice(1, -1).length);
  });

  it('takes a smaller limit', () => {
    const text = fitDetails('y'.repeat(5_000), 2_048);
    expect(text.length).toBeLessThanOrEqual(2_048);
    expect(text.length).toBeGreaterThan(2_000);
    expect(JSON.parse(text)).toMatchObject({ truncated: true, originalLength: 5_000 });
  });

  it('throws RangeError, not a hang, for a limit too small for the cut form', () => {
    expect(() => fitDetails('x'.repeat(100), 10)).toThrow(RangeError);
  });
});
