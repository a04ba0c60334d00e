import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { BODY_LIMIT } from '../src/server.js';
import { signRequest } from '../src/signature.js';
import { XML_LIMITS } from '../src/xml.js';

/**
 * Hostile 1 MiB bodies: what each costs the emulator, against what bare Fastify spends receiving
 * the same bytes (bench/ceiling-server.js: a content-type parser that reads the buffer, and a
 * fixed answer). The target is at most 5× (the issue "Lock the admin door and bound every
 * input"). Every body is signed, so it reaches the XML reader rather than stopping at auth.
 *
 * CPU is read from the server processes themselves, side by side: the time on CPU of every
 * thread (/proc/<pid>/task/<tid>/schedstat, nanoseconds; GC helper threads count too), before
 * and after a batch of requests, the two servers taking turns so that both see the same machine.
 * Each round gives a ratio of the two batches; the median round is reported, since on a shared
 * machine a round now and then runs beside someone else's build.
 */

const SECRET_ID = 'AKIDEXAMPLE';
const SECRET_KEY = 'SECRETKEYEXAMPLE';

export interface HostileShape {
  readonly name: string;
  readonly body: Buffer;
}

/** `prefix`, then `unit` as often as fits, then `suffix`: at most BODY_LIMIT bytes in all. */
function fill(prefix: string, unit: string, suffix = ''): Buffer {
  const room = BODY_LIMIT - Buffer.byteLength(prefix) - Buffer.byteLength(suffix);
  return Buffer.from(prefix + unit.repeat(Math.floor(room / Buffer.byteLength(unit))) + suffix);
}

function attributes(): Buffer {
  const parts = ['<Request'];
  let length = parts[0]?.length ?? 0;
  for (let i = 0; length < BODY_LIMIT - 64; i++) {
    const attribute = ` a${i}="${i}"`;
    parts.push(attribute);
    length += attribute.length;
  }
  return Buffer.from(`${parts.join('')}></Request>`);
}

/**
 * A Concat create whose fragments fill the body up to the element limit, the last one invalid:
 * it is read and validated whole, and then refused, so that no run stores a 1 MiB template.
 */
function concatAtTheElementLimit(): Buffer {
  const fragments = Math.floor((XML_LIMITS.elements - 10) / 3);
  const head = '<Request><Tag>Concat</Tag><Name>hostile-concat</Name><ConcatTemplate>';
  const tail = '<Container><Format>mp4</Format></Container></ConcatTemplate></Request>';
  const fragmentShell = '<ConcatFragment><Mode>Start</Mode><Url>http://bucket-1250000000.cos.ap-beijing.myqcloud.com/</Url></ConcatFragment>';
  const padding = Math.floor((BODY_LIMIT - head.length - tail.length) / fragments) - fragmentShell.length - 4;
  const fragment = (i: number): string =>
    `<ConcatFragment><Mode>${i === fragments - 1 ? 'Middle' : 'Start'}</Mode><Url>http://bucket-1250000000.cos.ap-beijing.myqcloud.com/${String(i).padStart(4, '0')}${'x'.repeat(Math.max(padding - 1, 0))}</Url></ConcatFragment>`;
  return Buffer.from(head + Array.from({ length: fragments }, (_, i) => fragment(i)).join('') + tail);
}

export const HOSTILE_SHAPES: readonly HostileShape[] = [
  { name: '262,000 empty elements <a/>', body: fill('<Request>', '<a/>', '</Request>') },
  { name: 'text and elements x<a/>', body: fill('<Request>', 'x<a/>', '</Request>') },
  { name: '100,000-deep nesting <a>', body: fill('<Request>', '<a>') },
  { name: 'one 1 MiB text node', body: fill('<Request><Tag>ImageOCR</Tag><Name>', 'x', '</Name></Request>') },
  { name: '200,000 entity references &amp;', body: fill('<Request><Name>', '&amp;', '</Name></Request>') },
  { name: '200,000 character references &#65;', body: fill('<Request><Name>', '&#65;', '</Name></Request>') },
  { name: 'one 1 MiB comment', body: fill('<Request><!--', 'x', '--></Request>') },
  { name: 'one 1 MiB CDATA section', body: fill('<Request><Name><![CDATA[', 'x', ']]></Name></Request>') },
  { name: '100,000 attributes', body: attributes() },
  { name: '200,000 processing instructions <?a?>', body: fill('<Request>', '<?a?>', '</Request>') },
  { name: '150,000 comments <!---->', body: fill('<Request>', '<!---->', '</Request>') },
  { name: 'a 1 MiB element name', body: fill('<Request><', 'N', '/></Request>') },
  { name: '1 MiB of newlines, then an error', body: fill('<Request>', '\n', '<a b=1/>') },
  { name: '1 MiB of 3-byte UTF-8 text', body: fill('<Request><Tag>ImageOCR</Tag><Name>', '模', '</Name></Request>') },
  { name: 'Concat, 3,330 fragments (the element limit), the last invalid', body: concatAtTheElementLimit() },
];

export interface HostileResult {
  readonly name: string;
  readonly bytes: number;
  /** Server CPU per request, milliseconds: the median round's. */
  readonly bareCpuMs: number;
  readonly emulatorCpuMs: number;
  /** emulator / bare, the median of the rounds' ratios; undefined when a bare batch measured no time at all. */
  readonly ratio: number | undefined;
  /** What the emulator answered: `400 InvalidContent`. */
  readonly emulatorAnswer: string;
  readonly bareStatus: number;
}

export interface HostileOptions {
  /** Requests per shape and side in each round. */
  readonly requestsPerRound: number;
  readonly rounds: number;
  readonly warmup: number;
  readonly log?: (line: string) => void;
}

export const DEFAULT_HOSTILE_OPTIONS: HostileOptions = { requestsPerRound: 10, rounds: 15, warmup: 5 };
/** The target: a hostile body costs at most this many times what receiving it costs. */
export const HOSTILE_TARGET_RATIO = 5;

/** Nanoseconds on CPU of every thread of a process so far (falls back to clock ticks of /proc/<pid>/stat). */
export function processCpuNs(pid: number): number {
  try {
    let total = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    return total;
  } catch {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10_000_000;
  }
}

interface Target {
  readonly port: number;
  readonly pid: number;
}

/** One hostile client: requests one after another on one keep-alive connection. */
class Client {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });

  post(port: number, body: Buffer, authorization: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, path: '/template', method: 'POST', agent: this.#agent, headers: authorization }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Signed like the Node SDK: host, content-type and content-length. */
function signedHeaders(port: number, body: Buffer): Record<string, string> {
  const headers = { host: `127.0.0.1:${port}`, 'content-type': 'application/xml', 'content-length': String(body.length) };
  const authorization = signRequest({
    method: 'POST',
    path: '/template',
    headers,
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    start: Math.floor(Date.now() / 1000) - 1,
    expires: 3600,
  });
  return { ...headers, authorization };
}

/** The middle value, or the mean of the two middle ones; the benches report medians of rounds. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const answerOf = (status: number, body: string): string => `${status} ${/<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? ''}`.trim();

/** Each shape: a warm-up, then `rounds` turns of `requestsPerRound` requests to each server. */
export async function runHostileBench(
  bare: Target,
  emulator: Target,
  options: HostileOptions = DEFAULT_HOSTILE_OPTIONS,
  shapes: readonly HostileShape[] = HOSTILE_SHAPES,
): Promise<HostileResult[]> {
  const client = new Client();
  const results: HostileResult[] = [];
  try {
    for (const shape of shapes) {
      options.log?.(`hostile body: ${shape.name}`);
      const headers = { bare: signedHeaders(bare.port, shape.body), emulator: signedHeaders(emulator.port, shape.body) };
      let emulatorAnswer = '';
      let bareStatus = 0;
      const batch = async (side: 'bare' | 'emulator', count: number): Promise<number> => {
        const target = side === 'bare' ? bare : emulator;
        const before = processCpuNs(target.pid);
        for (let i = 0; i < count; i++) {
          const answer = await client.post(target.port, shape.body, headers[side]);
          if (side === 'bare') bareStatus = answer.status;
          else emulatorAnswer = answerOf(answer.status, answer.body);
        }
        return processCpuNs(target.pid) - before;
      };
      await batch('bare', options.warmup);
      await batch('emulator', options.warmup);
      const bareNs: number[] = [];
      const emulatorNs: number[] = [];
      for (let round = 0; round < options.rounds; round++) {
        bareNs.push(await batch('bare', options.requestsPerRound));
        emulatorNs.push(await batch('emulator', options.requestsPerRound));
      }
      const perRequestMs = (ns: number): number => ns / options.requestsPerRound / 1e6;
      results.push({
        name: shape.name,
        bytes: shape.body.length,
        bareCpuMs: perRequestMs(median(bareNs)),
        emulatorCpuMs: perRequestMs(median(emulatorNs)),
        ratio: bareNs.every((ns) => ns > 0) ? median(emulatorNs.map((ns, round) => ns / (bareNs[round] as number))) : undefined,
        emulatorAnswer,
        bareStatus,
      });
    }
  } finally {
    client.close();
  }
  return results;
}

export function formatHostileReport(results: readonly HostileResult[], options: HostileOptions): string {
  const ms = (value: number): string => value.toFixed(2);
  const rows = results.map(
    (result) =>
      `| ${result.name} | ${result.bytes} | ${ms(result.bareCpuMs)} | ${ms(result.emulatorCpuMs)} | ${result.ratio === undefined ? 'n/a' : result.ratio.toFixed(1)} | ${result.ratio !== undefined && result.ratio <= HOSTILE_TARGET_RATIO ? 'yes' : 'no'} | ${result.emulatorAnswer} |`,
  );
  return [
    `hostile 1 MiB bodies: server CPU per request, ${options.rounds} rounds × ${options.requestsPerRound} requests per side, taking turns; the median round; target ≤ ${HOSTILE_TARGET_RATIO}× bare Fastify receiving the same body`,
    '',
    '| body | bytes | bare Fastify ms | emulator ms | ratio | ≤ 5× | emulator answer |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows,
  ].join('\n');
}
