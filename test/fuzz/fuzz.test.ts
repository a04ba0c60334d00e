import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KindRegistry } from '../../src/kinds/registry.js';
import { buildServer } from '../../src/server.js';
import { APPID, DEFAULT_BUCKET, SECRET_ID, SECRET_KEY, describeOf, signedHeaders, testConfig, xml, type XmlTree } from '../helpers.js';
import {
  DEFAULT_HOST,
  OTHER_APPID_KEY,
  OTHER_BUCKET,
  OTHER_BUCKET_HOST,
  TEMPORARY_KEY,
  adminCase,
  bodyCase,
  fixedHttpCases,
  fixedTransportCases,
  headerCase,
  mutatedTransportCase,
  queryCase,
  routeCase,
  type Category,
  type FuzzCase,
  type GeneratorState,
  type HttpCase,
  type KnownTemplate,
  type Outcome,
} from './cases.js';
import { Random, fuzzSeed } from './random.js';
import { answerProblems, errorCodeOf, exchange, isAdminTarget, rawRequest, type Answer } from './wire.js';

/**
 * Hostile input, generated from a seed: every answer must be a 2xx or a 4xx with CI's XML (codes
 * from the contract's table), the connection must never be dropped, health must still answer,
 * memory must stay bounded, and the store must hold exactly the acknowledged creates.
 *
 * Replay a failing run with CIE_FUZZ_SEED=<seed> npx vitest run test/fuzz (add the same
 * CIE_FUZZ_CASES for a run of `npm run fuzz`, which sets it to 10,000).
 */

/** The share of each category in the generated cases; `npm test` runs DEFAULT_GENERATED_CASES of them. */
const CATEGORY_WEIGHTS: Readonly<Record<Category, number>> = { body: 1200, query: 300, header: 300, route: 250, admin: 100, transport: 250 };
const DEFAULT_GENERATED_CASES = Object.values(CATEGORY_WEIGHTS).reduce((sum, weight) => sum + weight, 0);
const TRANSPORT_PARALLELISM = 8;
/** Time allowed per generated case before the run is called stuck: generous, for a loaded machine. */
const MS_PER_CASE = 60;

/** CIE_FUZZ_CASES when set (npm run fuzz), else the share npm test runs. */
function fuzzCaseCount(env: NodeJS.ProcessEnv = process.env): number {
  const given = env['CIE_FUZZ_CASES'];
  if (given === undefined || given.trim() === '') return DEFAULT_GENERATED_CASES;
  const count = Number(given.trim());
  if (!Number.isInteger(count) || count < 100) throw new Error(`CIE_FUZZ_CASES must be an integer of at least 100, not "${given}"`);
  return count;
}

const seed = fuzzSeed();
const generatedCases = fuzzCaseCount();
/**
 * CIE_FUZZ_MODE=default runs the cases against the default mode, where a body the docs refuse
 * may be taken (an unknown element ignored, a rule between fields stored as given): there an
 * expected InvalidArgument may also be what taking the body answers (a 2xx, or TemplateNotFound for
 * an update of a template that does not exist). Strict mode (the default here) checks every
 * expected refusal.
 */
const strictMode = process.env['CIE_FUZZ_MODE'] !== 'default';
console.log(
  `fuzz seed ${seed}, ${generatedCases} generated cases (replay with CIE_FUZZ_SEED=${seed} CIE_FUZZ_CASES=${generatedCases} npx vitest run test/fuzz)`,
);

/** The generated cases of each category, in proportion to CATEGORY_WEIGHTS. */
const counts = Object.fromEntries(
  Object.entries(CATEGORY_WEIGHTS).map(([category, weight]) => [category, Math.round((generatedCases * weight) / DEFAULT_GENERATED_CASES)]),
) as Record<Category, number>;
const { transport: MUTATED_TRANSPORT_CASES, ...HTTP_CASES } = counts;

interface Failure {
  readonly index: number;
  readonly category: Category;
  readonly label: string;
  readonly problems: readonly string[];
}

const dir = mkdtempSync(join(tmpdir(), 'cie-fuzz-'));
const dbFile = join(dir, 'fuzz.db');
let app: FastifyInstance;
let port: number;
let kinds: KindRegistry;
const failures: Failure[] = [];
const outcomes = new Map<string, number>();
const known = new Map<string, KnownTemplate>();
let casesRun = 0;

const gc = ((): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

beforeAll(async () => {
  kinds = new KindRegistry();
  app = await buildServer(
    testConfig({ db: dbFile, strict: strictMode, keys: [{ secretId: SECRET_ID, secretKey: SECRET_KEY, appId: APPID }, OTHER_APPID_KEY, TEMPORARY_KEY] }),
    { kinds },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `{"error":"ForbiddenHost",…}`: the code of an /_emulator/ refusal. */
function adminErrorOf(answer: Answer): string | undefined {
  if (!/^application\/json/.test(answer.headers['content-type'] ?? '')) return undefined;
  try {
    const parsed = JSON.parse(answer.body.toString('utf8')) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

function outcomeOf(answer: Answer): Outcome {
  if (answer.status >= 200 && answer.status < 300) return '2xx';
  return errorCodeOf(answer) ?? adminErrorOf(answer) ?? String(answer.status);
}

const text = (tree: XmlTree | undefined): string => (typeof tree === 'string' ? tree : '');

/** Keeps `known` equal to what the answers acknowledged. */
function track(request: { method: string; target: string }, answer: Answer): void {
  if (answer.status !== 200 || !['POST', 'PUT', 'DELETE'].includes(request.method) || isAdminTarget(request.target)) return;
  const response = (xml(answer.body.toString('utf8'))['Response'] ?? {}) as Record<string, XmlTree>;
  const template = response['Template'] as Record<string, XmlTree> | undefined;
  if (request.method === 'POST' && template !== undefined) {
    known.set(text(template['TemplateId']), {
      id: text(template['TemplateId']),
      bucket: text(template['BucketId']),
      tag: text(template['Tag']),
      name: text(template['Name']),
    });
  } else if (request.method === 'PUT' && template !== undefined) {
    const entry = known.get(text(template['TemplateId']));
    if (entry === undefined) throw new Error(`an update of ${text(template['TemplateId'])}, which no create acknowledged`);
    entry.name = text(template['Name']);
  } else if (request.method === 'DELETE') {
    known.delete(text(response['TemplateId']));
  }
}

/**
 * The method and target of a request line as sent: a mutation can leave a request the server
 * still reads (`POST /template?HTTP/1.1`), and a create it acknowledges must be tracked.
 */
function requestLineOf(head: string | Buffer): { method: string; target: string } | undefined {
  const [line = ''] = (typeof head === 'string' ? head : head.toString('latin1')).split('\r\n', 1);
  const [method, target] = line.split(' ');
  return method && target ? { method, target } : undefined;
}

/** For the summary line: answers of 500 or more, and requests that got no answer at all. */
const tally = { serverErrors: 0, unanswered: 0 };

function record(index: number, fuzzCase: FuzzCase, problems: readonly string[]): void {
  casesRun++;
  if (problems.some((problem) => /^a 5\d\d answer$/.test(problem))) tally.serverErrors++;
  if (problems.some((problem) => problem.startsWith('no answer'))) tally.unanswered++;
  if (problems.length > 0) failures.push({ index, category: fuzzCase.category, label: fuzzCase.label.slice(0, 160), problems });
}

async function sendHttp(fuzzCase: HttpCase): Promise<Answer | string> {
  if (fuzzCase.viaSocket) {
    const head = rawRequest(fuzzCase.method, fuzzCase.target, { ...fuzzCase.headers, connection: 'close' });
    const result = await exchange(port, { head, ...(fuzzCase.body === undefined ? {} : { body: fuzzCase.body }), isHead: fuzzCase.method === 'HEAD' });
    const answer = result.responses[0];
    if (answer === undefined) return `no answer (the connection ended: ${result.ending})`;
    return answer;
  }
  const response = await app.inject({
    method: fuzzCase.method as 'GET',
    url: fuzzCase.target,
    headers: fuzzCase.headers,
    ...(fuzzCase.body === undefined ? {} : { payload: fuzzCase.body }),
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return { status: response.statusCode, headers, body: response.rawPayload };
}

function checkOutcome(given: readonly Outcome[] | undefined, answer: Answer, taken: Outcome = '2xx'): string[] {
  if (given === undefined) return [];
  const expected: readonly Outcome[] = !strictMode && given.includes('InvalidArgument') ? [...given, taken] : given;
  const outcome = outcomeOf(answer);
  return expected.includes(outcome) ? [] : [`outcome ${outcome}, expected ${expected.join(' or ')}: ${answer.body.toString('utf8').slice(0, 300)}`];
}

describe(`fuzz (seed ${seed})`, () => {
  let heapBefore = 0;

  it('answers the requests that once broke it, quickly', { timeout: 30_000 }, async () => {
    // Warm up first, so that the memory baseline includes compiled code and caches.
    for (let i = 0; i < 30; i++)
      await app.inject({ method: 'GET', url: '/template', headers: signedHeaders({ method: 'GET', path: '/template', host: DEFAULT_HOST }) });
    heapBefore = heapAfterGc();
    const before = failures.length;
    for (const [index, fuzzCase] of fixedHttpCases().entries()) {
      const answer = await sendHttp(fuzzCase);
      if (typeof answer === 'string') {
        record(-1 - index, fuzzCase, [answer]);
        continue;
      }
      // A preflight is a 204 without a body: only its status is the outcome.
      const problems =
        fuzzCase.method === 'OPTIONS'
          ? answer.status === 204
            ? []
            : [`a preflight answered ${answer.status}`]
          : checkOutcome(fuzzCase.expect, answer, fuzzCase.taken);
      record(-1 - index, fuzzCase, [...answerProblems({ method: fuzzCase.method, target: fuzzCase.target }, answer), ...problems]);
      track(fuzzCase, answer);
    }
    expect(failures.slice(before)).toEqual([]);
  });

  it('answers every generated request with a 2xx or a contract 4xx in CI XML', { timeout: Math.max(180_000, generatedCases * MS_PER_CASE) }, async () => {
    const random = new Random(seed);
    const state: GeneratorState = { random, kinds, known, index: 0 };
    const remaining = { ...HTTP_CASES };
    const generators = { body: bodyCase, query: queryCase, header: headerCase, route: routeCase, admin: adminCase } as const;
    for (let index = 0; Object.values(remaining).some((count) => count > 0); index++) {
      const categories = (Object.keys(remaining) as (keyof typeof remaining)[]).filter((category) => remaining[category] > 0);
      const category = random.weighted(categories.map((name) => [remaining[name], name] as const));
      remaining[category]--;
      const fuzzCase = generators[category](state);
      const answer = await sendHttp(fuzzCase);
      if (typeof answer === 'string') {
        record(index, fuzzCase, [answer]);
        continue;
      }
      outcomes.set(`${category} ${outcomeOf(answer)}`, (outcomes.get(`${category} ${outcomeOf(answer)}`) ?? 0) + 1);
      record(index, fuzzCase, [
        ...answerProblems({ method: fuzzCase.method, target: fuzzCase.target }, answer),
        ...checkOutcome(fuzzCase.expect, answer, fuzzCase.taken),
      ]);
      track(fuzzCase, answer);
    }

    // The transport cases do not depend on what the store holds: they run in parallel.
    const transport = [...fixedTransportCases(), ...Array.from({ length: MUTATED_TRANSPORT_CASES }, () => mutatedTransportCase(state))];
    const base = state.index;
    for (let start = 0; start < transport.length; start += TRANSPORT_PARALLELISM) {
      const batch = transport.slice(start, start + TRANSPORT_PARALLELISM);
      await Promise.all(
        batch.map(async (fuzzCase, offset) => {
          const result = await exchange(port, fuzzCase.raw, { answers: fuzzCase.minAnswers ?? 1 });
          const problems: string[] = [];
          if (result.responses.length === 0) problems.push(`no answer (the connection ended: ${result.ending})`);
          if (result.responses.length < (fuzzCase.minAnswers ?? 1)) problems.push(`${result.responses.length} answers, expected ${fuzzCase.minAnswers ?? 1}`);
          if (result.leftover > 0) problems.push(`a truncated answer (${result.leftover} bytes after the last complete one)`);
          result.responses.forEach((answer, position) => {
            // A mutated case may not know what its bytes ask for; the server's reading of them counts.
            const request = position === 0 ? (fuzzCase.request ?? requestLineOf(fuzzCase.raw.head)) : undefined;
            problems.push(...answerProblems(request, answer));
            if (request !== undefined) track(request, answer);
          });
          const first = result.responses[0];
          if (first !== undefined) {
            problems.push(...checkOutcome(fuzzCase.expect, first));
            outcomes.set(`transport ${outcomeOf(first)}`, (outcomes.get(`transport ${outcomeOf(first)}`) ?? 0) + 1);
          }
          record(base + start + offset, fuzzCase, problems);
        }),
      );
    }

    if (failures.length > 0) {
      console.log(
        `seed ${seed}: ${failures.length} of ${casesRun} cases failed; the first ones:\n${failures
          .slice(0, 40)
          .map((failure) => `  #${failure.index} [${failure.category}] ${failure.label}\n      ${failure.problems.join('\n      ')}`)
          .join('\n')}`,
      );
    }
    console.log(`seed ${seed}: ${casesRun} cases; outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
    console.log(
      `fuzz: ${casesRun} requests, ${tally.serverErrors} answers of 5xx, ${tally.unanswered} without an answer, ${failures.length} failing (seed ${seed})`,
    );
    expect(failures.slice(0, 10), `seed ${seed}: ${failures.length} failing cases`).toEqual([]);
    expect(casesRun).toBeGreaterThanOrEqual(generatedCases);
    // The fuzz reached past the signature: creates were made, and bodies were refused for their content.
    for (const outcome of [
      'body 2xx',
      'body InvalidContent',
      'body InvalidArgument',
      'body MissingContent',
      'query 2xx',
      'query InvalidArgument',
      'header SignatureDoesNotMatch',
      'route MethodNotAllowed',
      'admin ForbiddenOrigin',
      'admin ForbiddenHost',
      'admin UnsupportedMediaType',
      'transport InvalidRequest',
    ]) {
      expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    }
  });

  it('still answers health afterwards, over a new connection', async () => {
    const result = await exchange(port, { head: `GET /_emulator/health HTTP/1.1\r\nHost: ${DEFAULT_HOST}\r\nConnection: close\r\n\r\n` });
    expect(result.responses[0]?.status).toBe(200);
    expect(JSON.parse(result.responses[0]?.body.toString('utf8') ?? '{}')).toMatchObject({ status: 'ready' });
  });

  it('keeps memory bounded', () => {
    // The journal keeps 1,000 entries of up to 4 KiB of body each; anything near the size of the
    // bodies sent (hundreds of MiB in all) would be a leak.
    const growth = heapAfterGc() - heapBefore;
    // After two collections: room for a loaded machine, far below the hundreds of MiB sent.
    expect(growth, `heap grew by ${Math.round(growth / 1024 / 1024)} MiB`).toBeLessThan(128 * 1024 * 1024);
  });

  it('holds exactly the templates whose creates were acknowledged, with their last acknowledged names', async () => {
    const buckets = new Set([DEFAULT_BUCKET, OTHER_BUCKET, ...[...known.values()].map((template) => template.bucket)]);
    const listed = new Map<string, { bucket: string; name: string; container: boolean }>();
    for (const bucket of buckets) {
      const host = bucket === DEFAULT_BUCKET ? DEFAULT_HOST : bucket === OTHER_BUCKET ? OTHER_BUCKET_HOST : `${bucket}.ci.ap-guangzhou.myqcloud.com`;
      for (let pageNumber = 1; ; pageNumber++) {
        const query = { pageNumber: String(pageNumber), pageSize: '100' };
        const response = await app.inject({
          method: 'GET',
          url: `/template?pageNumber=${pageNumber}&pageSize=100`,
          headers: signedHeaders({ method: 'GET', path: '/template', query, host }),
        });
        expect(response.statusCode, response.body).toBe(200);
        const page = describeOf(response.body);
        for (const template of page.TemplateList) {
          const containers = Object.keys(template).filter(
            (key) => !['Tag', 'Name', 'TemplateId', 'CreateTime', 'UpdateTime', 'BucketId', 'Category', 'State'].includes(key),
          );
          listed.set(template.TemplateId, { bucket: template.BucketId, name: template.Name, container: containers.length > 0 });
        }
        if (page.TemplateList.length < 100) break;
      }
    }
    const expected = new Map([...known.values()].map((template) => [template.id, { bucket: template.bucket, name: template.name, container: true }]));
    const unacknowledged = [...listed].filter(([id]) => !expected.has(id));
    const lost = [...expected].filter(([id]) => !listed.has(id));
    expect({ unacknowledged, lost }, `seed ${seed}`).toEqual({ unacknowledged: [], lost: [] });
    expect(Object.fromEntries(listed)).toEqual(Object.fromEntries(expected));
    expect(known.size).toBeGreaterThan(100);

    // Every row of the file is one of those (no bucket the describes above missed), and the file is
    // sound. The emulator holds its file exclusively: it is read once the emulator has closed it.
    await app.close();
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = db.prepare('SELECT id, data FROM templates').all() as { id: string; data: string }[];
      expect(rows.map((row) => row.id).sort()).toEqual([...expected.keys()].sort());
      for (const row of rows) expect(() => JSON.parse(row.data) as unknown).not.toThrow();
    } finally {
      db.close();
    }
  });
});
