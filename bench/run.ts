import { cpus } from 'node:os';
import { DEFAULT_OPTIONS, formatHostileReport, formatReport, runBench, runHostileCase } from './bench.js';
import { BENCH_EXTRA_CREATES } from './bodies.js';
import { DEFAULT_HOSTILE_OPTIONS } from './hostile.js';

// npm run bench [-- <seconds per case>]; npm run bench -- --hostile for the hostile bodies alone
const log = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};
process.stdout.write(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
if (process.argv.includes('--hostile')) {
  const results = await runHostileCase({ ...DEFAULT_HOSTILE_OPTIONS, log });
  process.stdout.write(`${formatHostileReport(results, DEFAULT_HOSTILE_OPTIONS)}\n`);
} else {
  const seconds = Number(process.argv[2] ?? DEFAULT_OPTIONS.durationSeconds);
  const report = await runBench({ ...DEFAULT_OPTIONS, durationSeconds: seconds, hostile: DEFAULT_HOSTILE_OPTIONS, log }, BENCH_EXTRA_CREATES);
  process.stdout.write(`${formatReport(report)}\n`);
}
