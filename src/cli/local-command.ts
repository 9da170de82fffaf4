import type { CliRun } from './run.js';
import { EXIT } from './run.js';

/** The flags of `flowy-swf local`. */
export interface LocalFlags {
  port: number;
  host: string;
}

/** Resolves with the first of SIGINT / SIGTERM. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * `local [--port 5055] [--host 127.0.0.1]`: runs the local SWF endpoint until SIGINT/SIGTERM. Prints
 * the endpoint URL alone on standard output, hints on standard error.
 */
export async function runLocal(run: CliRun, flags: LocalFlags): Promise<number> {
  const { startLocalSwf } = await import('../local/index.js');
  const server = await startLocalSwf({ port: flags.port, host: flags.host });
  const signal = nextSignal();
  run.io.stdout(`${server.endpoint}\n`);
  run.io.stderr(
    `local SWF endpoint listening; point workers and tools at it with\n  export AWS_ENDPOINT_URL_SWF=${server.endpoint}\nstop with Ctrl-C\n`,
  );
  const received = await signal;
  run.io.stderr(`${received}: closing the local endpoint\n`);
  await server.close();
  return EXIT.ok;
}
