/**
 * Fuzz suite of the local endpoint, bounded for `npm test`: FUZZ_RUNS requests per operation (default 1,000)
 * from seed FUZZ_SEED (default fixed, so a failure reproduces). Longer runs: `npm run fuzz -- --runs 20000`.
 */
import { describe, expect, it } from 'vitest';
import { FUZZED_OPERATIONS, fuzzOperation } from './local-fuzz.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 1000);
const seed = Number(process.env.FUZZ_SEED ?? 20120125);

describe('local SWF fuzzing: every operation, generated and mutated requests', () => {
  it.each(FUZZED_OPERATIONS)('%s: no 5xx, the endpoint answers, every run can still close', async (operation) => {
    const counts = await fuzzOperation(operation, { numRuns, seed });
    expect(counts.faults + counts.ok).toBe(numRuns);
  }, 120_000);
});
