/**
 * `npm run fuzz [-- --runs N] [--seed S] [--operation Name ...]`: the fuzz suite of the local endpoint, long.
 * Defaults: 20,000 requests per operation, a seed from the clock (printed, so a failure can be replayed).
 */
import { parseArgs } from 'node:util';
import { FUZZED_OPERATIONS, fuzzOperation } from './local-fuzz.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20000' },
    seed: { type: 'string' },
    operation: { type: 'string', multiple: true },
  },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1) throw new TypeError(`--runs is ${values.runs}; give a whole number of at least 1`);
if (!Number.isInteger(seed)) throw new TypeError(`--seed is ${values.seed}; give a whole number`);
const operations = values.operation ?? FUZZED_OPERATIONS;
for (const op of operations) if (!FUZZED_OPERATIONS.includes(op)) throw new TypeError(`unknown operation ${op}; the operations are ${FUZZED_OPERATIONS.join(', ')}`);

console.log(`fuzzing ${operations.length} operations, ${runs.toLocaleString('en-US')} requests each, seed ${seed}`);
let failed = 0;
for (const operation of operations) {
  const started = performance.now();
  try {
    const { ok, faults } = await fuzzOperation(operation, { numRuns: runs, seed });
    console.log(`ok   ${operation}: ${ok} answered, ${faults} refused with 4xx (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${operation}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
console.log(failed === 0 ? 'no failures' : `${failed} operations failed; replay with --seed ${seed}`);
process.exitCode = failed === 0 ? 0 : 1;
