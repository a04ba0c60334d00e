import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/bench.js';
import { BENCH_EXTRA_CREATES } from '../../bench/bodies.js';
import { HOSTILE_SHAPES } from '../../bench/hostile.js';
import { BODY_LIMIT } from '../../src/server.js';

/** Not a benchmark: a one-second run of every case, so `npm run bench` cannot rot. */
describe('npm run bench', () => {
  it('runs every case with only 2xx answers', { timeout: 120_000 }, async () => {
    const report = await runBench(
      { connections: 4, warmupSeconds: 0, durationSeconds: 1, smallStore: 200, largeStore: 500, hostile: { requestsPerRound: 1, rounds: 1, warmup: 0 } },
      BENCH_EXTRA_CREATES,
    );
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
    // The hostile bodies: each within the body limit, received by bare Fastify, refused by the emulator with a 400.
    expect(report.hostile?.map((result) => result.name)).toEqual(HOSTILE_SHAPES.map((shape) => shape.name));
    for (const result of report.hostile ?? []) {
      expect(result.bytes, result.name).toBeLessThanOrEqual(BODY_LIMIT);
      expect(result.bytes, result.name).toBeGreaterThan(BODY_LIMIT - 8 * 1024);
      expect(result.bareStatus, result.name).toBe(200);
      expect(result.emulatorAnswer, result.name).toMatch(/^400 (InvalidContent|InvalidArgument)$/);
      expect(result.bareCpuMs, result.name).toBeGreaterThan(0);
      expect(result.emulatorCpuMs, result.name).toBeGreaterThan(0);
    }
    expect(report.rssAfterMb).toBeGreaterThan(0);
  });
});
