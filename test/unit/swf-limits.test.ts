import { describe, expect, it } from 'vitest';
import { SWF_LIMITS, formatCount, nameProblem } from '../../src/swf/index.js';

describe('nameProblem', () => {
  it('accepts valid names, up to the limit', () => {
    expect(nameProblem('orders', 256)).toBeUndefined();
    expect(nameProblem('send-email_v2.0 (eu)', 256)).toBeUndefined();
    expect(nameProblem('n'.repeat(256), SWF_LIMITS.name)).toBeUndefined();
    expect(nameProblem('ünïcødé 名前', 256)).toBeUndefined();
  });

  it('rejects an empty name', () => {
    expect(nameProblem('', 256)).toBe('is empty; SWF needs at least 1 character');
  });

  it('rejects a name over the limit, naming its length and the limit', () => {
    expect(nameProblem('n'.repeat(257), 256)).toBe('is 257 characters; SWF allows 256');
    expect(nameProblem('v'.repeat(65), SWF_LIMITS.version)).toBe('is 65 characters; SWF allows 64');
  });

  it.each([' lead', 'trail ', '\tboth\n'])('rejects white space at either end: %j', (name) => {
    expect(nameProblem(name, 256)).toBe('starts or ends with white space, which SWF forbids');
  });

  it.each([
    ['orders:eu', '":"'],
    ['a/b', '"/"'],
    ['a|b', '"|"'],
    ['a\u0001b', '"\\u0001"'],
    ['a\u007fb', '"\u007f"'],
    ['a\u0085b', '"\u0085"'],
  ])('rejects %j, naming the character', (name, shown) => {
    expect(nameProblem(name, 256)).toBe(`contains the character ${shown}, which SWF forbids (no ':', '/', '|' or control characters)`);
  });

  it("rejects the literal 'arn'", () => {
    expect(nameProblem('arn', 256)).toBe("is the literal string 'arn', which SWF forbids as a name");
    expect(nameProblem('warning', 256)).toBeUndefined();
    expect(nameProblem('learn-model', 256)).toBeUndefined();
  });
});

describe('formatCount', () => {
  it('groups thousands with commas', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(32_768)).toBe('32,768');
    expect(formatCount(1_048_576)).toBe('1,048,576');
  });
});
