/**
 * Polling when the other side misbehaves: tiny node:http servers that are not SWF, the real SWF client
 * (createSwfClient) and a real Worker. Every bad answer is a transient fault: the worker backs off (the
 * backoff is asked for growing attempts), keeps RUNNING, and logs one line per streak, without a stack.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/activity.js';
import { createSwfClient } from '../../src/swf/client.js';
import { MAX_RESPONSE_BYTES } from '../../src/swf/size-limit.js';
import { Worker } from '../../src/worker/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { definition, lookup, recordingBackoff, recordingLogger, type LoggedLine } from '../unit/worker-fake-swf.js';

/** Waits (real time, generous for a loaded machine) until `condition` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 20_000; Date.now() < end; await sleep(10)) if (condition()) return;
  throw new Error(`timed out waiting for ${what}`);
}

class Noop extends Activity {
  run(): null {
    return null;
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
const stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(handler: Handler): Promise<{ url: string; polls: () => number; set: (h: Handler) => void }> {
  let current = handler;
  let polls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (String(req.headers['x-amz-target']).endsWith('PollForActivityTask')) polls++;
      current(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, polls: () => polls, set: (h) => (current = h) };
}

function startWorker(endpoint: string, extra: { maxPollFaults?: number; transport?: 'lean' | 'sdk' } = {}) {
  const { logger, lines } = recordingLogger();
  const backoff = recordingBackoff(() => 20);
  const client = createSwfClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const worker = new Worker({
    client,
    domain: 'dom',
    taskList: 'tl',
    registry: lookup(definition('noop', '1', Noop)),
    maxConcurrentPolls: 1,
    maxConcurrentTasks: 1,
    backoff,
    logger,
    maxPollFaults: extra.maxPollFaults ?? 3,
    ...(extra.transport ? { transport: extra.transport } : {}),
  });
  const done = worker.run();
  stops.push(async () => {
    await worker.shutdown({ force: true });
    await done.catch(() => {});
    client.destroy();
  });
  return { worker, lines, backoff, done };
}

const json = (body: string, status = 200): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(body);
};

/** The warn/error lines about polling. */
function pollLines(lines: LoggedLine[]): LoggedLine[] {
  return lines.filter((l) => (l.level === 'warn' || l.level === 'error') && l.message.startsWith('PollForActivityTask'));
}

async function expectBackoffStreak(w: ReturnType<typeof startWorker>, attempts = 6): Promise<void> {
  await until(() => w.backoff.attempts.length >= attempts, `${attempts} backoff pauses`);
  // Each failure asks the backoff for the next attempt: the pauses grow, the count is not reset.
  expect(w.backoff.attempts.slice(0, attempts)).toEqual([...Array(attempts).keys()]);
  expect(w.worker.state).toBe('RUNNING');
}

describe('polling an endpoint that is not SWF', () => {
  it('an empty answer at once counts toward backoff and is logged once per streak', async () => {
    const s = await serve(json('{}'));
    const w = startWorker(s.url);
    await expectBackoffStreak(w);
    // Every poll but the first waited out a backoff pause: no busy loop.
    expect(s.polls()).toBeLessThanOrEqual(w.backoff.attempts.length + 1);
    const lines = pollLines(w.lines);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toMatch(/^PollForActivityTask: answered with no task after \d+ ms; SWF holds a poll up to 60 s/);
    // Once the endpoint holds polls, the streak ends with one line.
    s.set((_req, res) => setTimeout(() => json('{}')(_req, res), 150));
    await until(() => w.lines.some((l) => /works again after \d+ failures/.test(l.message)), 'the end of the streak');
  });

  it('a 200 answer that is not JSON is transient: backoff, no FAILED, one line without a stack', async () => {
    const s = await serve(json('<html>this is not SWF</html>'));
    const w = startWorker(s.url, { maxPollFaults: 2 });
    await expectBackoffStreak(w);
    const lines = pollLines(w.lines);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('warn');
    expect(lines[0]!.message).toMatch(/HTTP 200 with an answer that is not SWF's JSON \(SyntaxError: Unexpected token '<'/);
    expect(lines[0]!.message).toMatch(/check that the endpoint \(--endpoint, AWS_ENDPOINT_URL_SWF\) is SWF/);
    expect(JSON.stringify(lines[0]!.fields)).not.toMatch(/\n\s+at /);
    expect('err' in lines[0]!.fields).toBe(false);
  });

  it('a 500 answer with an HTML body: backoff, one line naming the status', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html><body>Internal error</body></html>');
    });
    const w = startWorker(s.url);
    await expectBackoffStreak(w);
    const lines = pollLines(w.lines);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toMatch(/HTTP 500 with an answer that is not SWF's JSON/);
  });

  // Both paths cap answers: the lean transport in its wire client, the SDK path in createSwfClient's request handler.
  it.each([
    ['with a content-length', 'lean', true],
    ['chunked, without a content-length', 'lean', false],
    ['with a content-length', 'sdk', true],
    ['chunked, without a content-length', 'sdk', false],
  ] as const)('a 2 MB answer (%s, %s path) is refused without being buffered: ResponseTooLargeError, backoff', async (_label, transport, withLength) => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', ...(withLength ? { 'content-length': String(big.length + 2) } : {}) });
      res.write('{"');
      res.end(big);
    });
    const w = startWorker(s.url, { transport });
    await expectBackoffStreak(w, 4);
    const lines = pollLines(w.lines);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toMatch(
      new RegExp(`ResponseTooLargeError: the endpoint answered with (2,097,154|more than ${MAX_RESPONSE_BYTES.toLocaleString('en-US')}) bytes`),
    );
  });

  it('connection refused: one concise line naming what to check, then counts', async () => {
    const s = await serve(json('{}'));
    const url = s.url;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const w = startWorker(url);
    await expectBackoffStreak(w);
    const lines = pollLines(w.lines);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toMatch(/ECONNREFUSED.*cannot reach the endpoint: check --endpoint, AWS_ENDPOINT_URL_SWF, --region and the network/);
    expect('err' in lines[0]!.fields).toBe(false);
  });
});
