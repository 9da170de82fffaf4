import { describe, expect, it } from 'vitest';
import { Activity, bindActivityContext, type ActivityContext } from '../../src/activity/index.js';
import { delegateOverHttp, DelegationError, type CallbackHandle } from '../../src/delegation/index.js';
import { ConfigurationError } from '../../src/swf/errors.js';
import type { Clock } from '../../src/swf/clock.js';

const callback: CallbackHandle = { id: 'AQid', url: 'https://hooks.example.com/v1/callbacks/AQid', expiresAt: new Date('2030-01-01T00:00:00Z') };
const instant: Clock = { now: () => 0, sleep: async () => {} };

/** A fetch that answers from a list (a number is a status, an Error is thrown) and records each request. */
function fakeFetch(answers: Array<number | Error>): { fetch: typeof fetch; requests: Array<{ url: string; init: RequestInit }> } {
  const requests: Array<{ url: string; init: RequestInit }> = [];
  const fn = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    requests.push({ url: String(url), init: init ?? {} });
    const next = answers.shift() ?? 202;
    if (next instanceof Error) throw next;
    return new Response(null, { status: next, statusText: next === 422 ? 'Unprocessable Entity' : '' });
  };
  return { fetch: fn as typeof fetch, requests };
}

describe('delegateOverHttp', () => {
  it('retries 429 and 5xx and network errors, then succeeds; same idempotency key on every attempt', async () => {
    const f = fakeFetch([429, 503, Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }), 201]);
    const result = await delegateOverHttp({ url: 'https://api.example.com/jobs?key=s3cret', callback, input: { a: 1 }, fetch: f.fetch, clock: instant });
    expect(result).toEqual({ status: 201, attempts: 4 });
    const keys = new Set(f.requests.map((r) => (r.init.headers as Record<string, string>)['idempotency-key']));
    expect(keys.size).toBe(1);
    const first = f.requests[0]!;
    expect(first.init.method).toBe('POST');
    expect((first.init.headers as Record<string, string>)['flowy-callback-url']).toBe(callback.url);
    expect(JSON.parse(String(first.init.body))).toEqual({ callbackUrl: callback.url, expiresAt: '2030-01-01T00:00:00.000Z', input: { a: 1 } });
  });

  it('does not retry a 4xx other than 408 and 429; names the host only', async () => {
    const f = fakeFetch([422]);
    const error = await delegateOverHttp({ url: 'https://api.example.com/jobs?key=s3cret', callback, fetch: f.fetch, clock: instant }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelegationError);
    expect((error as DelegationError).message).toBe('POST to api.example.com answered 422 Unprocessable Entity after 1 attempt(s); the third party refused the work');
    expect((error as DelegationError).status).toBe(422);
    expect((error as DelegationError).host).toBe('api.example.com');
    expect(f.requests).toHaveLength(1);
  });

  it('gives up after maxAttempts with the last status, or the network cause', async () => {
    const statuses = fakeFetch([500, 502, 503]);
    await expect(delegateOverHttp({ url: 'http://x.test/', callback, fetch: statuses.fetch, clock: instant, maxAttempts: 3 })).rejects.toThrow(
      'POST to x.test answered 503 after 3 attempt(s); the third party did not take the work',
    );
    const down = fakeFetch([Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })]);
    await expect(delegateOverHttp({ url: 'http://x.test/', callback, fetch: down.fetch, clock: instant, maxAttempts: 2 })).rejects.toThrow(
      'POST to x.test failed after 2 attempt(s): TypeError: fetch failed (ECONNREFUSED)',
    );
  });

  it('times out an attempt that does not answer, naming the time-out', async () => {
    const hang = (async (_url: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
    await expect(delegateOverHttp({ url: 'http://slow.test/', callback, fetch: hang, clock: instant, maxAttempts: 1, timeoutMs: 30 })).rejects.toThrow(
      'POST to slow.test failed after 1 attempt(s): no answer within 30 ms',
    );
  });

  it('stops at once, without retrying, when the task signal aborts', async () => {
    const controller = new AbortController();
    const f = fakeFetch([503, 503, 503]);
    const slowClock: Clock = { now: () => 0, sleep: (_ms, signal) => new Promise((_r, reject) => signal?.addEventListener('abort', () => reject(signal.reason))) };
    const pending = delegateOverHttp({ url: 'http://x.test/', callback, fetch: f.fetch, clock: slowClock, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow(DelegationError);
    expect(f.requests).toHaveLength(1);
  });
});

describe('Activity.delegate', () => {
  class Plain extends Activity {
    run(): void {}
  }

  it('rejects with ConfigurationError where the context has no delegate (a task run without callback settings)', async () => {
    const activity = new Plain();
    const context: ActivityContext = {
      taskToken: 't',
      info: {} as ActivityContext['info'],
      signal: new AbortController().signal,
      heartbeat: async () => true,
    };
    bindActivityContext(activity, context);
    await expect(activity.delegate()).rejects.toThrow(ConfigurationError);
    await expect(activity.delegate()).rejects.toThrow(/--callback-secret-file and --callback-url/);
  });

  it('asks the context when it can delegate', async () => {
    const activity = new Plain();
    bindActivityContext(activity, {
      taskToken: 't',
      info: {} as ActivityContext['info'],
      signal: new AbortController().signal,
      heartbeat: async () => true,
      delegate: async (options) => ({ ...callback, id: `for-${String(options?.expiresInMs)}` }),
    });
    expect((await activity.delegate({ expiresInMs: 5 })).id).toBe('for-5');
  });
});
