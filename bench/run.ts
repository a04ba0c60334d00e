import { cpus } from 'node:os';
import { DEFAULT_OPTIONS, formatReport, runBench } from './bench.js';
import { BENCH_EXTRA_CREATES } from './bodies.js';

// npm run bench [-- <seconds per case>]
const seconds = Number(process.argv[2] ?? DEFAULT_OPTIONS.durationSeconds);
const report = await runBench({ ...DEFAULT_OPTIONS, durationSeconds: seconds, log: (line) => process.stderr.write(`bench: ${line}\n`) }, BENCH_EXTRA_CREATES);
process.stdout.write(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
process.stdout.write(`${formatReport(report)}\n`);
