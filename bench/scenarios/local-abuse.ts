/**
 * Local endpoint under abuse: eight clients each sending, over and over, a 1 MB RespondDecisionTaskCompleted
 * of 340,001 invalid decisions, while 1,100 connections trickle their headers a byte at a time. Measured: the
 * endpoint's RSS (its own process, from /proc: Linux only) before, at peak and after, and the latency of
 * ListDomains from a well-behaved client, idle and while the abuse runs.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { forkLocalSwf } from '../local-server.js';
import type { Sample, Scenario } from '../scenario.js';
import { round } from '../stats.js';

const ABUSERS = 8;
const TRICKLERS = 1_100;
const RSS_CEILING_MB = 400;

function rssMB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** One POST; resolves with its status and elapsed ms (a fresh connection each time, as an abuser may). */
function post(endpoint: string, operation: string, body: string): Promise<{ status: number; ms: number }> {
  const url = new URL(endpoint);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { 'x-amz-target': `SimpleWorkflowService.${operation}`, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', () => resolve({ status: -1, ms: performance.now() - started }));
    req.end(body);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? Number.NaN;

/** ListDomains, one after another, for `ms`; their latencies. */
async function listDomainsFor(endpoint: string, ms: number): Promise<number[]> {
  const out: number[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const answer = await post(endpoint, 'ListDomains', '{"registrationStatus":"REGISTERED"}');
    if (answer.status === 200) out.push(answer.ms);
    await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

/** Opens `count` connections that send their headers a byte every second and never finish them. */
function trickle(endpoint: string, count: number): () => void {
  const url = new URL(endpoint);
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {});
    sockets.push(socket);
  }
  const head = 'POST / HTTP/1.1\r\nhost: x\r\nx-amz-target: SimpleWorkflowService.ListDomains\r\n';
  let at = 0;
  const drip = setInterval(() => {
    for (const s of sockets) if (s.writable) s.write(head.charAt(at % head.length));
    at++;
  }, 1000);
  return () => {
    clearInterval(drip);
    for (const s of sockets) s.destroy();
  };
}

export const localAbuse: Scenario = {
  name: 'localAbuse',
  title: 'local endpoint RSS and ListDomains latency under 1 MB invalid requests and trickling connections',
  runs: (quick) => (quick ? 1 : 2),
  async measure({ quick }) {
    const abuseMs = quick ? 4_000 : 12_000;
    const swf = await forkLocalSwf({ pollTimeoutMs: 1000 });
    await post(swf.endpoint, 'RegisterDomain', '{"name":"abuse","workflowExecutionRetentionPeriodInDays":"1"}');
    const idle = await listDomainsFor(swf.endpoint, 1500);
    const rssBefore = rssMB(swf.pid);
    const body = `{"taskToken":"t","decisions":[${Array(340_001).fill('{}').join(',')}]}`;
    // The trickling connections come first, then the 1 MB requests: both held while ListDomains is timed.
    const stopTrickle = trickle(swf.endpoint, TRICKLERS);
    await new Promise((r) => setTimeout(r, 500));
    let stop = false;
    let abusive = 0;
    const abusers = Array.from({ length: ABUSERS }, async () => {
      while (!stop) {
        await post(swf.endpoint, 'RespondDecisionTaskCompleted', body);
        abusive++;
      }
    });
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMB(swf.pid))), 100);
    const underAbuse = await listDomainsFor(swf.endpoint, abuseMs);
    stop = true;
    stopTrickle();
    await Promise.all(abusers);
    clearInterval(sampler);
    await new Promise((r) => setTimeout(r, 1000));
    const rssAfter = rssMB(swf.pid);
    await swf.close();
    return {
      'rssMB.before': rssBefore,
      'rssMB.peak': peak,
      'rssMB.after': rssAfter,
      'listDomainsMs.idleMedian': median(idle),
      'listDomainsMs.abuseMedian': median(underAbuse),
      'listDomainsMs.abuseP99': p99(underAbuse),
      'listDomains.answeredUnderAbuse': underAbuse.length,
      abusiveRequests: abusive,
    } satisfies Sample;
  },
  finish(json, get) {
    const peak = get('rssMB.peak')?.median ?? Number.NaN;
    const slow = get('listDomainsMs.abuseMedian')?.median ?? Number.NaN;
    json.abusers = ABUSERS;
    json.tricklers = TRICKLERS;
    json.peakRssMB = round(peak);
    return [
      { figure: 'endpoint peak RSS under abuse (MB)', value: peak, target: `≤ ${RSS_CEILING_MB}`, met: peak <= RSS_CEILING_MB },
      { figure: 'ListDomains median under abuse (ms)', value: slow, target: '≤ 1000', met: slow <= 1000 },
    ];
  },
};
