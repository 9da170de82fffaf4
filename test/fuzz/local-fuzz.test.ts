/**
 * Fuzz suite of the local endpoint, bounded for `npm test`: FUZZ_RUNS requests per operation (default 2,000)
 * from seed FUZZ_SEED (default fixed, so a failure reproduces). Longer runs: `npm run fuzz -- --runs 20000`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startLocalSwf } from '../../src/local/index.js';
import { FUZZED_OPERATIONS, fuzzOperation, requestArb } from './local-fuzz.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 2000);
const seed = Number(process.env.FUZZ_SEED ?? 20120125);

describe('local SWF fuzzing: every operation, generated and mutated requests', () => {
  it.each(FUZZED_OPERATIONS)('%s: no 5xx, the endpoint answers, every run can still close', async (operation) => {
    const counts = await fuzzOperation(operation, { numRuns, seed });
    expect(counts.faults + counts.ok).toBe(numRuns);
  }, 120_000);
});

describe('local SWF fuzzing over real HTTP: generated bodies, and bodies cut or garbled on the way', () => {
  it('answers every request below 500 and keeps answering', async () => {
    const swf = await startLocalSwf({ pollTimeoutMs: 5, warn: () => {} });
    try {
      const post = async (operation: string, body: string): Promise<number> => {
        const res = await fetch(swf.endpoint, { method: 'POST', headers: { 'x-amz-target': `SimpleWorkflowService.${operation}`, 'content-type': 'application/x-amz-json-1.0' }, body });
        await res.arrayBuffer();
        return res.status;
      };
      await post('RegisterDomain', '{"name":"fuzz","workflowExecutionRetentionPeriodInDays":"1"}');
      const request = fc.constantFrom(...FUZZED_OPERATIONS).chain((operation) =>
        fc.tuple(fc.constant(operation), requestArb(operation), fc.nat({ max: 9 }), fc.nat({ max: 400 })),
      );
      await fc.assert(
        fc.asyncProperty(request, async ([operation, input, garble, cut]) => {
          let body = JSON.stringify(input, (_key, value: unknown) => (typeof value === 'string' && value.startsWith('$') ? 'fuzz' : value)) ?? 'null';
          if (garble === 0) body = body.slice(0, cut); // cut short
          if (garble === 1) body = body.replace(/[{[]/, ''); // not JSON any more
          const status = await post(operation, body);
          if (status >= 500) throw new Error(`${operation} answered ${status} to ${body.slice(0, 200)}`);
        }),
        { numRuns: Math.max(200, Math.floor(numRuns / 4)), seed, endOnFailure: true },
      );
      expect(await post('ListDomains', '{"registrationStatus":"REGISTERED"}')).toBe(200);
    } finally {
      await swf.close();
    }
  }, 120_000);
});
