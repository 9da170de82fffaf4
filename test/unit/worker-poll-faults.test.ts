import { describe, expect, it } from 'vitest';
import { POLL_FAULT_LOG_INTERVAL_MS, PollFaultLog, pollFault, describeBriefly } from '../../src/worker/poll-faults.js';
import { FakeClock } from './fake-clock.js';
import { recordingLogger } from './worker-fake-swf.js';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1\n    at TCPConnectWrap.afterConnect'), { code: 'ECONNREFUSED' });

describe('PollFaultLog', () => {
  it('logs the first failure of a streak, then a count at most once a minute, then one line when polling works again', async () => {
    const clock = new FakeClock();
    const { logger, lines } = recordingLogger();
    const log = new PollFaultLog(clock, logger);
    const fault = pollFault(refused, true);
    for (let i = 0; i < 5; i++) log.failed(fault, 100);
    expect(lines.map((l) => l.message)).toEqual([
      'PollForActivityTask: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1; cannot reach the endpoint: check --endpoint, AWS_ENDPOINT_URL_SWF, --region and the network; polling again in 100 ms (further failures are counted, not logged one by one)',
    ]);
    await clock.advance(POLL_FAULT_LOG_INTERVAL_MS - 1);
    log.failed(fault, 100);
    expect(lines).toHaveLength(1);
    await clock.advance(1);
    log.failed(fault, 100);
    expect(lines.at(-1)).toMatchObject({ level: 'warn', message: 'PollForActivityTask still failing: 7 failures in 60 s (last: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1)' });
    log.succeeded();
    expect(lines.at(-1)).toMatchObject({ level: 'info', message: 'PollForActivityTask works again after 7 failures in 60 s' });
    log.succeeded();
    expect(lines).toHaveLength(3);
    expect(log.streak).toBe(0);
  });

  it('starts a new line for a failure of another kind within the streak; a refusal is an error', () => {
    const { logger, lines } = recordingLogger();
    const log = new PollFaultLog(new FakeClock(), logger);
    log.failed(pollFault(refused, true), 10);
    log.failed(pollFault(Object.assign(new Error('domain unknown'), { name: 'UnknownResourceFault' }), false), 20);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
    expect(lines[1]!.message).toMatch(/^PollForActivityTask: UnknownResourceFault: domain unknown; check the domain, task list and credentials/);
  });

  it('describes an error on one line, without its stack, at most 300 characters', () => {
    expect(describeBriefly(refused)).toBe('ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1');
    expect(describeBriefly(new Error('x'.repeat(500)))).toHaveLength(300);
  });
});
