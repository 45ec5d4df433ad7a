// The systematic check of the host: requests derived from the contract, sent to the built host over
// its real WebSocket (see test/fixtures/fuzz-host.ts). A fixed seed here; `npm run fuzz` runs longer.
import { describe, expect, it } from 'vitest';
import { fuzzHost } from '../../../test/fixtures/fuzz-host';

describe('the browser host, fuzzed from the contract', () => {
  it('carries __proto__, constructor and toString through every format, answers every request with a typed result or error, changes labels only when asked validly, and never exits', async () => {
    const report = await fuzzHost({ seed: 20261202, runs: 150 });
    const total = Object.values(report.requests).reduce((sum, n) => sum + n, 0);
    console.log(
      `fuzz: ${total} requests in ${report.seconds.toFixed(1)} s (seed ${report.seed}): ` +
        Object.entries(report.requests)
          .map(([op, n]) => `${op} ${n}`)
          .join(', '),
    );
    expect(report.failures).toEqual([]);
    expect(report.hostExited).toBeNull();
    expect(report.integrity).toBe('ok');
  }, 600_000);
});
