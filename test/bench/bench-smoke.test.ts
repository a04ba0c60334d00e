import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/bench.js';
import { BENCH_EXTRA_CREATES } from '../../bench/bodies.js';

/** Not a benchmark: a one-second run of every case, so `npm run bench` cannot rot. */
describe('npm run bench', () => {
  it('runs every case with only 2xx answers', { timeout: 120_000 }, async () => {
    const report = await runBench({ connections: 4, warmupSeconds: 0, durationSeconds: 1, smallStore: 200, largeStore: 500 }, BENCH_EXTRA_CREATES);
    expect(report.cases.map((result) => result.name)).toEqual([
      'signed create, ImageOCR, distinct names',
      ...BENCH_EXTRA_CREATES.map((extra) => `signed create, ${extra.name}, distinct names`),
      'signed describe, 10 of 200',
      'signed update',
      'signed describe, 10 of 500',
    ]);
    for (const result of report.cases) {
      expect(result.total, result.name).toBeGreaterThan(0);
      expect(result.non2xx + result.errors, result.name).toBe(0);
      expect(result.ratio, result.name).toBeGreaterThan(0);
      expect(result.ceilingRequestsPerSecond, result.name).toBeGreaterThan(0);
    }
    expect(report.startupMs).toBeGreaterThan(0);
    expect(report.rssAfterMb).toBeGreaterThan(0);
  });
});
