// npm run fuzz [-- --runs N] [-- --seed S]: the host fuzz of the test suite, longer and with any
// seed. Prints requests per operation, requests per second, and each failure with its seed.
import { parseArgs } from 'node:util';
import { fuzzHost } from '../test/fixtures/fuzz-host';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '2000' }, seed: { type: 'string' } },
});
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const runs = Number(values.runs);
console.log(`fuzzing the host: ${runs} requests per operation, seed ${seed}`);
const report = await fuzzHost({ seed, runs, progress: (line) => console.log(`  ${line}`) });
const total = Object.values(report.requests).reduce((sum, n) => sum + n, 0);
console.log(
  `${total} requests in ${report.seconds.toFixed(1)} s: ${(total / report.seconds).toFixed(0)} requests/s; ` +
    `integrity ${report.integrity}; host ${report.hostExited ?? 'still running'}`,
);
for (const failure of report.failures) console.log(`FAILED (seed ${seed}) ${failure}`);
process.exitCode = report.failures.length > 0 || report.hostExited || report.integrity !== 'ok' ? 1 : 0;
