import { describe, expect, it } from 'vitest';
import { LimitError, assertTaskToken, tokenDigest } from '../../src/swf/index.js';

const TOKEN = 'AAAAKgAAAAIAAAAAAAAAAsecretTokenBody' + 'q'.repeat(200);

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('tokenDigest', () => {
  it('is 12 lowercase hex characters', () => {
    expect(tokenDigest(TOKEN)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('is stable for a token and differs between tokens', () => {
    expect(tokenDigest(TOKEN)).toBe(tokenDigest(String(TOKEN)));
    expect(tokenDigest(TOKEN)).not.toBe(tokenDigest(TOKEN + 'x'));
    expect(tokenDigest('a')).not.toBe(tokenDigest('b'));
  });

  it('does not contain the token, even a short one', () => {
    expect(tokenDigest(TOKEN)).not.toContain(TOKEN.slice(0, 12));
    expect(tokenDigest('abc')).not.toContain('abc');
  });
});

describe('assertTaskToken', () => {
  it('takes a token of 1 and of 1,024 characters', () => {
    expect(() => assertTaskToken('t')).not.toThrow();
    expect(() => assertTaskToken('t'.repeat(1_024))).not.toThrow();
  });

  it.each([
    [undefined, 'undefined'],
    [null, 'null'],
    [42, 'number'],
    [{ token: 'x' }, 'object'],
  ])('throws LimitError for %j, naming its type', (value, type) => {
    const error = thrown(() => assertTaskToken(value));
    expect(error).toBeInstanceOf(LimitError);
    expect(error.message).toBe(`taskToken must be a string, got ${type}; pass the token the activity saw as this.token`);
  });

  it('throws LimitError for an empty token', () => {
    const error = thrown(() => assertTaskToken(''));
    expect(error).toBeInstanceOf(LimitError);
    expect(error.message).toMatch(/^taskToken is empty; SWF needs 1 to 1,024 characters/);
  });

  it('throws LimitError at 1,025 characters without showing the token', () => {
    const token = TOKEN + 'z'.repeat(1_025 - TOKEN.length);
    expect(token).toHaveLength(1_025);
    const error = thrown(() => assertTaskToken(token));
    expect(error).toBeInstanceOf(LimitError);
    expect(error.message).toMatch(/^taskToken is 1,025 characters; SWF allows 1,024: /);
    expect(error.message).not.toContain('secretTokenBody');
    expect(error.message).not.toContain('qqqqqqqq');
  });
});
