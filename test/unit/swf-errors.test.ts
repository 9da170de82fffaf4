import { UnknownResourceFault } from '@aws-sdk/client-swf';
import { describe, expect, it } from 'vitest';
import { isThrottling, isTransient, isUnknownResource, mayHaveReachedSwf } from '../../src/swf/index.js';

function awsError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  const error = new Error(`${name} happened`);
  error.name = name;
  return Object.assign(error, status === undefined ? {} : { $metadata: { httpStatusCode: status } }, extra);
}

const withCode = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });
function selfCaused(): Error {
  const error = new Error('self');
  (error as { cause?: unknown }).cause = error;
  return error;
}

const unknownResource = (): UnknownResourceFault =>
  new UnknownResourceFault({ message: 'Unknown activity task', $metadata: { httpStatusCode: 400 } });

describe('isTransient', () => {
  it.each<[string, unknown]>([
    ['ThrottlingException', awsError('ThrottlingException', 400)],
    ['a 500 by status', awsError('SomethingOdd', 500)],
    ['a 503 by status', awsError('SomethingOdd', 503)],
    ['a 429 by status', awsError('SomethingOdd', 429)],
    ['InternalFailure', awsError('InternalFailure')],
    ['ECONNRESET', withCode('ECONNRESET')],
    ['ECONNREFUSED', withCode('ECONNREFUSED')],
    ['ETIMEDOUT', withCode('ETIMEDOUT')],
    ['$retryable', awsError('Odd', 400, { $retryable: { throttling: false } })],
    ['TimeoutError', awsError('TimeoutError')],
    ['a transient cause', new Error('wrapped', { cause: withCode('ECONNRESET') })],
    ['a transient cause two deep', new Error('outer', { cause: new Error('mid', { cause: awsError('x', 502) }) })],
  ])('is true for %s', (_what, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['UnknownResourceFault', unknownResource()],
    ['UnknownResourceFault even with a 5xx status', awsError('UnknownResourceFault', 500)],
    ['ValidationException 400', awsError('ValidationException', 400)],
    ['a 404', awsError('NotFound', 404)],
    ['TypeError', new TypeError('x is not a function')],
    ['a plain Error', new Error('nope')],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'ECONNRESET'],
    ['a number', 500],
    ['an error whose cause is itself', selfCaused()],
  ])('is false for %s', (_what, error) => {
    expect(isTransient(error)).toBe(false);
  });
});

describe('isUnknownResource', () => {
  it('is true only for UnknownResourceFault', () => {
    expect(isUnknownResource(unknownResource())).toBe(true);
    expect(isUnknownResource(awsError('UnknownResourceFault'))).toBe(true);
    expect(isUnknownResource(awsError('ThrottlingException'))).toBe(false);
    expect(isUnknownResource(null)).toBe(false);
    expect(isUnknownResource('UnknownResourceFault')).toBe(false);
  });
});

describe('isThrottling', () => {
  it('is true for throttling names', () => {
    for (const name of ['ThrottlingException', 'Throttling', 'RequestThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded']) {
      expect(isThrottling(awsError(name)), name).toBe(true);
    }
  });

  it('is false for other errors and non-errors', () => {
    expect(isThrottling(awsError('InternalFailure', 500))).toBe(false);
    expect(isThrottling(withCode('ECONNRESET'))).toBe(false);
    expect(isThrottling(unknownResource())).toBe(false);
    expect(isThrottling(null)).toBe(false);
    expect(isThrottling('ThrottlingException')).toBe(false);
  });
});

describe('mayHaveReachedSwf', () => {
  it.each<[string, unknown]>([
    ['throttling', awsError('ThrottlingException', 400)],
    ['a 400', awsError('ValidationException', 400)],
    ['a 429', awsError('Odd', 429)],
    ['ECONNREFUSED', withCode('ECONNREFUSED')],
    ['ENOTFOUND', withCode('ENOTFOUND')],
    ['ECONNREFUSED as a cause', new Error('request failed', { cause: withCode('ECONNREFUSED') })],
    ['ENOTFOUND two causes deep', new Error('a', { cause: new Error('b', { cause: withCode('ENOTFOUND') }) })],
    ['throttling as a cause', new Error('a', { cause: awsError('ThrottlingException') })],
  ])('is false for %s: SWF cannot have applied it', (_what, error) => {
    expect(mayHaveReachedSwf(error)).toBe(false);
  });

  it.each<[string, unknown]>([
    ['ECONNRESET', withCode('ECONNRESET')],
    ['TimeoutError', awsError('TimeoutError')],
    ['a 500', awsError('InternalFailure', 500)],
    ['a 503', awsError('ServiceUnavailable', 503)],
    ['ECONNRESET as a cause', new Error('socket hang up', { cause: withCode('ECONNRESET') })],
  ])('is true for %s: only the answer may have been lost', (_what, error) => {
    expect(mayHaveReachedSwf(error)).toBe(true);
  });

  it('stops on a cause that is itself', () => {
    expect(mayHaveReachedSwf(selfCaused())).toBe(true);
  });
});
