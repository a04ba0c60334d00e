import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BUCKET_ID, modeName, type EmulatorConfig } from '../config.js';
import type { KindRegistry } from '../kinds/registry.js';
import { constantTimeEqual } from '../signature.js';
import type { OpenResource } from '../api/resource.js';
import type { Storage } from '../storage.js';
import { VERSION } from '../version.js';
import { renderDashboard } from './dashboard.js';
import { mediaTypeOf, unsupportedMediaTypeMessage } from './guard.js';
import { FaultInputError, type Fault, type FaultRegistry } from './faults.js';
import type { RequestJournal } from './journal.js';
import type { Seeds } from './seeds.js';

export interface AdminOptions {
  readonly config: EmulatorConfig;
  readonly kinds: KindRegistry;
  readonly storage: Storage;
  /** The API's resources on this server: what a reset clears, and their own admin routes. */
  readonly resources: readonly OpenResource[];
  readonly journal: RequestJournal;
  readonly faults: FaultRegistry;
  readonly seeds: Seeds;
  readonly now: () => number;
}

export const ADMIN_COOKIE = 'cie_admin_token';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const JOURNAL_ENTRIES_SHOWN = 50;
const JOBS_SHOWN = 50;

class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const isForm = (request: FastifyRequest): boolean => (request.headers['content-type'] ?? '').startsWith(FORM_TYPE);
const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** A form post answers 303 back to the page, with a notice the page shows. */
function backToDashboard(reply: FastifyReply, notice: string, failed = false): FastifyReply {
  return reply.redirect(`/_emulator/?notice=${encodeURIComponent(notice)}${failed ? '&failed=1' : ''}`, 303);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** `/_emulator/*`: JSON (or the HTML dashboard), never signed with q-sign. */
export async function registerAdminRoutes(admin: FastifyInstance, options: AdminOptions): Promise<void> {
  const { config, storage, journal, faults, resources } = options;
  const store = storage.templates;
  // The API reads any body as bytes; the admin API reads JSON, forms, and (bodiless, from
  // browsers' DELETE) text/plain, and answers any other type 415.
  admin.removeAllContentTypeParsers();
  admin.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));
  await admin.register(formbody, { bodyLimit: 64 * 1024 });
  // Many clients send `Content-Type: application/json` on every call, DELETE included, with no body.
  const parseJson = admin.getDefaultJsonParser('error', 'error');
  admin.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 64 * 1024 }, (request, body, done) => {
    const text = body.toString();
    if (text === '') done(null, undefined);
    else void parseJson(request, text, done);
  });

  admin.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      request.ci.errorCode = 'UnsupportedMediaType';
      return reply
        .code(415)
        .type('application/json')
        .send({ error: 'UnsupportedMediaType', message: unsupportedMediaTypeMessage(mediaTypeOf(request)) });
    }
    const status = error instanceof AdminError ? error.status : error instanceof FaultInputError ? 400 : (error.statusCode ?? 500);
    const code = error instanceof AdminError ? error.code : error instanceof FaultInputError ? 'InvalidFault' : status >= 500 ? 'InternalError' : 'BadRequest';
    if (status >= 500) request.log.error({ err: error }, 'unexpected error');
    request.ci.errorCode = code;
    return reply
      .code(status)
      .type('application/json')
      .send({ error: code, message: status >= 500 ? 'The emulator failed unexpectedly; the log has the details.' : error.message });
  });

  admin.addHook('onRequest', async (request, reply) => {
    if (config.adminToken === undefined || request.ci.rawPath === '/_emulator/health') return;
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const queryToken = request.ci.query?.find(([name]) => name === 'token')?.[1];
    const cookie = cookieValue(request.headers.cookie, ADMIN_COOKIE);
    const offered = bearer ?? queryToken ?? cookie;
    if (offered === undefined || !constantTimeEqual(config.adminToken, offered)) {
      throw new AdminError(
        401,
        'Unauthorized',
        'This endpoint needs the admin token: Authorization: Bearer <CIE_ADMIN_TOKEN>, or open /_emulator/?token=<token> once in a browser.',
      );
    }
    if (queryToken !== undefined) {
      void reply.header('Set-Cookie', `${ADMIN_COOKIE}=${encodeURIComponent(queryToken)}; Path=/_emulator; HttpOnly; SameSite=Strict`);
      // The page itself is reloaded without the token, which would otherwise stay in the address bar and history.
      if (request.method === 'GET' && (request.ci.rawPath === '/_emulator/' || request.ci.rawPath === '/_emulator')) {
        return reply.redirect('/_emulator/', 303);
      }
    }
    return undefined;
  });

  admin.get('/health', async () => ({
    status: 'ready',
    version: VERSION,
    auth: config.auth,
    mode: modeName(config.strict),
    defaultBucket: config.defaultBucket,
  }));

  admin.post('/reset', async (request, reply) => {
    const bucket = readBucket(request);
    const counts: Record<string, number> = {};
    for (const resource of resources) Object.assign(counts, await resource.reset(bucket));
    if (bucket === undefined) faults.clear();
    const removed = counts['templates'] ?? 0;
    const answer = { reset: bucket ?? 'all', removed, seeded: counts['seeded'] ?? 0, jobsRemoved: counts['jobs'] ?? 0, faultsCleared: bucket === undefined };
    if (isForm(request)) {
      return backToDashboard(reply, `Reset ${bucket ?? 'every bucket'}: ${removed} templates and ${answer.jobsRemoved} jobs removed, ${answer.seeded} seeded.`);
    }
    return answer;
  });

  admin.get('/requests', async (request) => {
    const limitText = request.ci.query?.find(([name]) => name === 'limit')?.[1];
    if (limitText !== undefined && (!/^\d{1,9}$/.test(limitText) || Number(limitText) < 1)) {
      throw new AdminError(400, 'InvalidLimit', `limit must be a positive integer, not "${limitText}".`);
    }
    return { requests: journal.list(limitText === undefined ? journal.capacity : Number(limitText)) };
  });
  admin.delete('/requests', async () => {
    journal.clear();
    return { cleared: true };
  });

  admin.post('/faults', async (request, reply) => {
    if (!isForm(request)) return reply.code(201).send(faultJson(faults.add(request.body)));
    try {
      const fault = faults.add(request.body);
      return backToDashboard(reply, `Fault added: ${describeFault(fault)}.`);
    } catch (error) {
      if (error instanceof FaultInputError) return backToDashboard(reply, `Fault not added: ${error.message}.`, true);
      throw error;
    }
  });
  admin.get('/faults', async () => ({ faults: faults.list().map(faultJson) }));
  admin.delete('/faults', async () => {
    faults.clear();
    return { cleared: true };
  });
  admin.post('/faults/clear', async (_request, reply) => {
    faults.clear();
    return backToDashboard(reply, 'Faults cleared.');
  });

  admin.post('/templates/delete', async (request, reply) => {
    const body = record(request.body);
    const bucket = typeof body['bucket'] === 'string' ? body['bucket'] : '';
    const id = typeof body['id'] === 'string' ? body['id'] : '';
    if ((await store.remove(bucket, id)).outcome === 'notFound') {
      return backToDashboard(reply, `Not deleted: The template ${id} does not exist in this bucket.`, true);
    }
    return backToDashboard(reply, `Deleted ${id} from ${bucket}.`);
  });

  admin.get('/', async (request, reply) => {
    const queryValue = (name: string): string | undefined => request.ci.query?.find(([key]) => key === name)?.[1];
    const noticeText = queryValue('notice');
    const html = renderDashboard({
      config,
      version: VERSION,
      store,
      jobs: storage.jobs.newest(JOBS_SHOWN),
      journal: journal.list(JOURNAL_ENTRIES_SHOWN),
      journalSize: journal.size,
      faults: faults.list(),
      notice: noticeText === undefined ? undefined : { text: noticeText, failed: queryValue('failed') === '1' },
    });
    // The page shows live state: a back button must not bring an old copy.
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(html);
  });

  // Each resource's own routes under /_emulator/, behind the same checks.
  for (const resource of resources) resource.adminRoutes?.(admin);

  function readBucket(request: FastifyRequest): string | undefined {
    const fromQuery = request.ci.query?.find(([name]) => name === 'bucket')?.[1];
    const fromForm = record(request.body)['bucket'];
    const bucket = fromQuery ?? (typeof fromForm === 'string' && fromForm !== '' ? fromForm : undefined);
    if (bucket !== undefined && !BUCKET_ID.test(bucket))
      throw new AdminError(400, 'InvalidBucket', `"${bucket}" is not a bucket like examplebucket-1250000000.`);
    return bucket;
  }
}

function describeFault(fault: Fault): string {
  if (fault.job !== undefined) {
    return `the next ${fault.times} job${fault.times === 1 ? '' : 's'} submitted to ${fault.match.path ?? 'any path'} end ${fault.job.state} (${fault.job.code})`;
  }
  const answer =
    fault.status === undefined
      ? `a delay of ${fault.delayMs} ms`
      : `${fault.status} ${fault.code ?? ''}${fault.delayMs > 0 ? ` after ${fault.delayMs} ms` : ''}`;
  const requests = `${fault.times} ${fault.match.method === undefined ? '' : `${fault.match.method} `}request${fault.times === 1 ? '' : 's'}`;
  return `${answer} for the next ${requests} to ${fault.match.path ?? 'any path'}`;
}

function faultJson(fault: Fault): Record<string, unknown> {
  return {
    id: fault.id,
    match: fault.match,
    status: fault.status ?? null,
    code: fault.code ?? null,
    times: fault.times,
    delayMs: fault.delayMs,
    ...(fault.job === undefined ? {} : { job: fault.job }),
    remaining: fault.remaining,
  };
}
