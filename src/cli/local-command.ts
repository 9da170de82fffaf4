import { InvalidArgumentError } from 'commander';
import type { ChaosOptions } from '../local/index.js';
import type { CliRun } from './run.js';
import { EXIT, nextSignal, UsageError } from './run.js';

/** The flags of `flowy-swf local`. */
export interface LocalFlags {
  port: number;
  host: string;
  pollTimeout?: number;
  latency?: number;
  chaos?: ChaosOptions;
  /** Check AWS Signature Version 4 on every request. */
  auth?: boolean;
  /** AWS shared credentials file whose keys `--auth` accepts; without it, the environment's key. */
  credentialsFile?: string;
  /** Largest accepted clock skew of a signature, in seconds (AWS: 300). */
  maxClockSkew?: number;
  /** Host names accepted in `Host` besides the endpoint's own. */
  allowedHost?: string[];
  maxConnections?: number;
  headersTimeout?: number;
  requestTimeout?: number;
  maxClosedExecutions?: number;
}

const CHAOS_KEYS: Record<string, keyof ChaosOptions> = {
  seed: 'seed',
  error: 'errorRate',
  throttle: 'throttleRate',
  reset: 'resetRate',
  latency: 'latencyMs',
  when: 'when',
};

/**
 * commander argParser for `--chaos`: comma-separated `key=value` pairs, e.g.
 * `seed=42,error=0.05,throttle=0.05,reset=0.02,latency=10,when=both`. Rates are shares from 0 to 1.
 */
export function parseChaos(value: string): ChaosOptions {
  const chaos: Record<string, unknown> = {};
  for (const pair of value.split(',').filter((p) => p.trim() !== '')) {
    const [rawKey = '', raw = ''] = pair.split('=', 2).map((x) => x.trim());
    const key = CHAOS_KEYS[rawKey];
    if (!key) {
      throw new InvalidArgumentError(`unknown chaos key ${JSON.stringify(rawKey)}; use ${Object.keys(CHAOS_KEYS).join(', ')} (e.g. seed=42,error=0.05,when=both).`);
    }
    if (key === 'when') {
      if (raw !== 'before' && raw !== 'after' && raw !== 'both') throw new InvalidArgumentError(`chaos when=${raw}: use before, after or both.`);
      chaos.when = raw;
      continue;
    }
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`chaos ${rawKey}=${raw}: expected a number of at least 0.`);
    if (key.endsWith('Rate') && n > 1) throw new InvalidArgumentError(`chaos ${rawKey}=${raw}: a rate is a share from 0 to 1, e.g. 0.05.`);
    chaos[key] = n;
  }
  if (chaos.seed === undefined) chaos.seed = Date.now() % 2 ** 31;
  return chaos as unknown as ChaosOptions;
}

/**
 * `local [--port 5055] [--host 127.0.0.1]`: runs the local SWF endpoint until SIGINT/SIGTERM. Prints
 * the endpoint URL alone on standard output, hints on standard error.
 */
export async function runLocal(run: CliRun, flags: LocalFlags): Promise<number> {
  if (!flags.auth && (flags.credentialsFile !== undefined || flags.maxClockSkew !== undefined)) {
    throw new UsageError(`${flags.credentialsFile !== undefined ? '--credentials-file' : '--max-clock-skew'} takes effect only with --auth; add --auth to check signatures.`);
  }
  const { startLocalSwf } = await import('../local/index.js');
  const server = await startLocalSwf({
    port: flags.port,
    host: flags.host,
    ...(flags.auth
      ? {
          auth: {
            ...(flags.credentialsFile !== undefined ? { credentialsFile: flags.credentialsFile } : {}),
            ...(flags.maxClockSkew !== undefined ? { maxClockSkewSeconds: flags.maxClockSkew } : {}),
          },
        }
      : {}),
    ...(flags.allowedHost ? { allowedHosts: flags.allowedHost } : {}),
    ...(flags.pollTimeout !== undefined ? { pollTimeoutMs: flags.pollTimeout } : {}),
    ...(flags.latency !== undefined ? { latencyMs: flags.latency } : {}),
    ...(flags.chaos ? { chaos: flags.chaos } : {}),
    ...(flags.maxConnections !== undefined ? { maxConnections: flags.maxConnections } : {}),
    ...(flags.headersTimeout !== undefined ? { headersTimeoutMs: flags.headersTimeout } : {}),
    ...(flags.requestTimeout !== undefined ? { requestTimeoutMs: flags.requestTimeout } : {}),
    ...(flags.maxClosedExecutions !== undefined ? { maxClosedExecutions: flags.maxClosedExecutions } : {}),
  });
  const signal = nextSignal();
  run.io.stdout(`${server.endpoint}\n`);
  if (flags.auth) run.io.stderr(`auth on: every request must carry an AWS Signature Version 4 made with a key from ${flags.credentialsFile ?? 'this environment (AWS_ACCESS_KEY_ID)'}\n`);
  if (flags.chaos) run.io.stderr(`chaos on: ${JSON.stringify(flags.chaos)} (the seed reproduces the same faults)\n`);
  run.io.stderr(
    `local SWF endpoint listening; point workers and tools at it with\n  export AWS_ENDPOINT_URL_SWF=${server.endpoint}\nstop with Ctrl-C\n`,
  );
  const received = await signal;
  run.io.stderr(`${received}: closing the local endpoint\n`);
  await server.close();
  return EXIT.ok;
}
