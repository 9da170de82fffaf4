import { createHash } from 'node:crypto';
import { Activity, activity } from 'flowy-swf/activity';

/**
 * Hashes `rounds` MB of generated data: CPU-bound, so it runs in a child process (`executor: 'process'`)
 * where it cannot stall the worker's heartbeats and polls. Each yield is progress.
 */
@activity('checksum', 1, 'demo-activities', { executor: 'process', memoryLimitMb: 256, heartbeat: 30, scheduleToClose: 300, scheduleToStart: 240, startToClose: 120 })
export class Checksum extends Activity {
  async *run(seed: string, rounds = 8): AsyncGenerator<{ round: number; of: number }, { sha256: string; pid: number }> {
    const hash = createHash('sha256');
    const block = Buffer.alloc(1024 * 1024, seed);
    for (let round = 1; round <= rounds; round++) {
      hash.update(block);
      yield { round, of: rounds };
    }
    return { sha256: hash.digest('hex'), pid: process.pid };
  }
}
