import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { adminGuard } from './admin/guard.js';
import { registerAdminRoutes } from './admin/routes.js';
import { FaultRegistry } from './admin/faults.js';
import { journalBody, redactHttpString, RequestJournal } from './admin/journal.js';
import { bucketFromHost, bucketRef, type BucketRef } from './bucket.js';
import { normalizeOrigin, type EmulatorConfig } from './config.js';
import { CiError, renderErrorXml } from './errors.js';
import { ConnectionLayer, HEADER_LIMIT, lingerOnClose, splitAbsoluteTarget } from './http/socket.js';
import { newRequestId, newTraceId } from './ids.js';
import { KindRegistry } from './kinds/registry.js';
import { decodePath, isAdminPath, parseQueryPairs, splitUrl, type AuthRecord, type RequestContext } from './request-context.js';
import { corsHeaders, CORS_METHODS, registerCors, isPreflight, type CorsOrigins } from './cors.js';
import { verifyRequest, type Credential, type Verdict } from './signature.js';
import type { ApiServices, OpenResource } from './api/resource.js';
import { allowedMethods, RESOURCES, SERVED_PATHS, unservedMessage } from './api/resources.js';
import { openStorage, type Storage } from './storage.js';
import { loadSeeds, type Seeds } from './admin/seeds.js';

declare module 'fastify' {
  interface FastifyRequest {
    ci: RequestContext;
  }
  interface FastifyInstance {
    /** The database and the stores the routes use. */
    storage: Storage;
  }
}

export interface ServerDeps {
  readonly kinds?: KindRegistry;
  /** An open Storage the caller keeps (and closes); without it the server opens CIE_DB and closes it. */
  readonly storage?: Storage;
  /** Milliseconds since the epoch; tests move it to check signature windows and times. */
  readonly clock?: () => number;
  /** Where pino writes; tests capture it to check that no secret is logged. */
  readonly logStream?: NodeJS.WritableStream;
  /** PEM certificate and key: serve HTTPS. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export const BODY_LIMIT = 1024 * 1024;
export { HEADER_LIMIT };

/**
 * What HTTP/1.1 itself forbids in a request Node's parser let through. A request line without a
 * version (`POST /template?HTTP/1.1`, one space lost) reaches Node as HTTP/0.9, which has no
 * headers or body: answering it as a create would act on a request no client meant to send.
 */
function transportError(request: IncomingMessage): CiError | undefined {
  if (request.httpVersionMajor === 0) return new CiError('InvalidRequest', 'The request line has no HTTP version (HTTP/0.9 is not served); send HTTP/1.1.');
  if (request.httpVersion === '1.1' && request.headers.host === undefined) return new CiError('InvalidRequest', 'An HTTP/1.1 request must have a Host header.');
  return undefined;
}

/**
 * The whole request pipeline, in the order it runs and is registered below:
 *   1. context    request id, bucket from the target or Host, query   (onRequest, every path)
 *   2. CORS       preflights answered, headers on every answer         (cors.ts: a hook, @fastify/cors for OPTIONS)
 *      admin      Host, origin and body type of /_emulator/*           (admin/guard.ts, onRequest)
 *   3. faults     injected delays and errors, before auth              (onRequest, API paths)
 *   4. auth       q-sign verification against CIE_KEYS                 (onRequest, API routes)
 *   5. body       raw bytes whatever the Content-Type, 1 MiB; then a   (content-type parser,
 *                 refusal from 3 or 4 is raised, so the journal has     preValidation)
 *                 the body of a refused request too
 *   6. handler    XML → kind validation → store → XML                  (templates/routes.ts, admin/)
 *   7. headers    Server, x-ci-request-id                              (onSend)
 *   8. errors     any failure → CI's <Error> XML                        (error handler)
 *   9. journal    one log line and one journal entry                   (onResponse)
 * Below Fastify, http/socket.ts answers what never reaches a route: parse errors and CONNECT.
 */
export async function buildServer(config: EmulatorConfig, deps: ServerDeps = {}): Promise<FastifyInstance> {
  const kinds = deps.kinds ?? new KindRegistry();
  const clock = deps.clock ?? Date.now;
  const nowSeconds = (): number => Math.floor(clock() / 1000);
  const seeds: Seeds = loadSeeds(config.seed, kinds, config.defaultBucket);
  const defaultBucket = bucketRef(config.defaultBucket, config.region);
  const credentials = new Map<string, Credential>(config.keys.map((key) => [key.secretId, key]));
  const journal = new RequestJournal(config.journalSize);
  const faults = new FaultRegistry();
  const corsOrigins: CorsOrigins = { api: config.corsOrigins, admin: config.adminOrigins.map((origin) => normalizeOrigin(origin) ?? origin) };
  const connections = new ConnectionLayer(config.corsOrigins.includes('*'));

  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(deps.logStream === undefined ? {} : { stream: deps.logStream }),
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-cos-security-token"]', 'req.headers["x-ci-security-token"]', 'req.headers.cookie'],
        censor: '[redacted]',
      },
    },
    // One line per request is written by the journal hook instead, with the CI error code and
    // the CI request id; so requests need no child logger of their own.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT,
    return503OnClosing: false,
    // Without a Host, Node would answer an empty 400 itself; the context hook answers CI's XML.
    http: { maxHeaderSize: HEADER_LIMIT, requireHostHeader: false },
    ...(deps.tls === undefined ? {} : { https: { ...deps.tls, maxHeaderSize: HEADER_LIMIT, requireHostHeader: false } }),
    routerOptions: {
      // A describe names up to 100 JobIds of 33 characters in one path segment.
      maxParamLength: 4096,
      // The query is split by the pipeline itself: it must see exact values to verify signatures.
      querystringParser: () => ({}),
    },
    rewriteUrl: originForm,
    clientErrorHandler: connections.clientError,
    // No hook runs for these answers: CORS and the CI headers are added here.
    frameworkErrors: (error, request, reply) => {
      request.ci = createContext(request, defaultBucket);
      reply.headers(corsHeaders(request, corsOrigins));
      if (isPreflight(request)) {
        const preflightReply: FastifyReply = reply;
        void preflightReply.code(204).header('Content-Length', '0').send();
        return;
      }
      reply.header('Server', 'tencent-ci').header('x-ci-request-id', request.ci.requestId);
      const problem = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'has an id part longer than 4096 characters' : 'has a malformed percent-escape';
      sendError(reply, request, new CiError('InvalidArgument', `The path ${request.ci.rawPath} ${problem}.`), error);
    },
  });

  app.decorateRequest('ci', null as unknown as RequestContext);
  // Opened last, once nothing before it can fail: whoever opens the storage closes it, after
  // the resources on it have stopped (a job's timer must not outlive the database).
  const storage = deps.storage ?? openStorage(config.db);
  const services: ApiServices = { config, kinds, storage, seeds, faults, journal, log: app.log, clock, now: nowSeconds };
  let resources: readonly OpenResource[] = [];
  app.addHook('onClose', async () => {
    for (const resource of resources) resource.close?.();
    if (deps.storage === undefined) storage.close();
  });
  app.decorate('storage', storage);
  try {
    seeds.applyAtStart(storage.templates, nowSeconds());
    resources = RESOURCES.map((resource) => resource.open(services));
  } catch (error) {
    await app.close();
    throw error;
  }

  // Node answers these outside Fastify: an empty 417 for an Expect other than 100-continue (the
  // expectation is ignored instead, as RFC 9110 allows), and a dropped connection for CONNECT.
  app.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => app.routing(request, response));
  app.server.on('connect', connections.connect);

  // 1. context
  app.addHook('onRequest', (request, reply, done) => {
    request.ci = createContext(request, defaultBucket);
    connections.track(request.raw, (listener) => reply.raw.once('close', listener));
    done(transportError(request.raw));
  });

  // 2. CORS
  await registerCors(app, corsOrigins);
  // 2b. who may call /_emulator/ (before its token check, which admin/routes.ts adds)
  app.addHook('onRequest', adminGuard(config));

  // 3. faults
  app.addHook('onRequest', (request, _reply, done) => {
    const fault = faults.take(request.method, request.ci.rawPath);
    if (fault === undefined) {
      done();
      return;
    }
    if (fault.code !== undefined && fault.status !== undefined) {
      request.ci.refusal = CiError.injected(fault.code, fault.status, `This error was injected by fault ${fault.id} (/_emulator/faults).`);
    }
    if (fault.delayMs > 0) setTimeout(done, fault.delayMs);
    else done();
  });

  // 4. auth: the verdict is recorded now; a refusal waits for the body (5).
  app.addHook('onRequest', (request, _reply, done) => {
    // A request a fault refuses is not checked: faults act before auth.
    if (request.is404 || isAdminPath(request.ci.rawPath) || request.ci.refusal !== undefined) {
      done();
      return;
    }
    try {
      const verdict = verifyRequest({ request: receivedRequest(request), credentials, now: nowSeconds(), appId: request.ci.bucket.appId });
      request.ci.auth = authRecord(verdict);
      if (!verdict.ok && config.auth === 'strict') request.ci.refusal ??= verdictError(verdict);
      done();
    } catch (error) {
      done(error as CiError);
    }
  });

  // 5. body: read whatever its Content-Type (SDKs differ, and browsers send text/plain); the
  // admin API declares its own parsers.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
  app.addHook('preParsing', (request, _reply, payload, done) => {
    if (!isAdminPath(request.ci.rawPath) && request.headers['content-type'] !== undefined) request.headers['content-type'] = 'application/xml';
    done(null, payload);
  });
  app.addHook('preValidation', (request, _reply, done) => done(request.ci.refusal));

  // 6. handlers
  for (const resource of resources) void app.register(async (api) => resource.routes(api));
  void app.register(async (admin) => registerAdminRoutes(admin, { config, kinds, storage, journal, faults, seeds, resources, now: nowSeconds }), {
    prefix: ADMIN_PREFIX,
  });

  // 7. headers
  app.addHook('onSend', (request, reply, payload, done) => {
    const path = request.ci.rawPath;
    if (request.method === 'OPTIONS' && !isPreflight(request)) {
      const methods = isAdminPath(path) ? CORS_METHODS.filter((method) => app.hasRoute({ method, url: path })) : allowedMethods(path);
      reply.header('Allow', [...methods, 'OPTIONS'].join(', '));
    }
    if (!isAdminPath(path)) reply.header('Server', 'tencent-ci').header('x-ci-request-id', request.ci.requestId);
    done(null, payload);
  });

  // 8. errors
  app.setErrorHandler((error: FastifyError | CiError, request, reply) => {
    sendError(reply, request, toCiError(error, request), error);
  });
  app.setNotFoundHandler(async (request) => {
    if (isAdminPath(request.ci.rawPath)) throw new CiError('InvalidUrl', `${request.ci.rawPath} is not an /_emulator/ endpoint.`);
    const methods = allowedMethods(request.ci.rawPath);
    if (methods.length > 0) {
      throw new CiError('MethodNotAllowed', `${request.method} is not allowed on ${request.ci.rawPath}; use ${methods.join(', ')}.`, {
        headers: { Allow: methods.join(', ') },
      });
    }
    const unserved = unservedMessage(request.ci.rawPath);
    if (unserved !== undefined) throw new CiError('InvalidUrl', `${request.ci.rawPath}: ${unserved}.`);
    throw new CiError('InvalidUrl', `${request.ci.rawPath} is not a CI API path; the emulator serves ${SERVED_PATHS}.`);
  });

  // 9. journal and log
  app.addHook('onResponse', (request, reply, done) => {
    const { ci } = request;
    const ms = Math.round(reply.elapsedTime * 100) / 100;
    request.log.info(
      { requestId: ci.requestId, method: request.method, path: ci.rawPath, bucket: ci.bucket.id, status: reply.statusCode, code: ci.errorCode, ms },
      'request',
    );
    if (isAdminPath(ci.rawPath) || isPreflight(request)) {
      done();
      return;
    }
    journal.record({
      time: new Date(clock()).toISOString(),
      method: request.method,
      path: ci.rawPath,
      query: ci.rawQuery,
      host: request.headers.host ?? '',
      bucket: ci.bucket.id,
      status: reply.statusCode,
      code: ci.errorCode ?? null,
      ms,
      requestId: ci.requestId,
      ...journalBody(request.body),
      ignored: ci.notes?.ignored ?? [],
      repeated: ci.notes?.repeated ?? [],
      auth: ci.auth ?? { form: 'none', secretId: undefined, verdict: 'not checked' },
    });
    done();
  });

  return app;
}

const ADMIN_PREFIX = '/_emulator';

/**
 * Fastify's rewriteUrl: an absolute-form target is routed by its path, and its authority takes
 * the place of the Host header for the bucket and the signature (RFC 9112 §3.2.2).
 */
function originForm(request: IncomingMessage): string {
  const url = request.url ?? '/';
  if (url.startsWith('/')) return url;
  const absolute = splitAbsoluteTarget(url);
  if (absolute === undefined) return url;
  if (absolute.authority !== '') request.headers.host = absolute.authority;
  return absolute.path;
}

function createContext(request: FastifyRequest, defaultBucket: BucketRef): RequestContext {
  const { rawPath, rawQuery } = splitUrl(request.raw.url ?? '/');
  let traceId: string | undefined;
  return {
    requestId: newRequestId(),
    // Only errors carry a trace id: made on first use.
    get traceId(): string {
      traceId ??= newTraceId();
      return traceId;
    },
    rawPath,
    rawQuery,
    bucket: bucketFromHost(request.headers.host, defaultBucket),
    query: parseQueryPairs(rawQuery),
    auth: undefined,
    refusal: undefined,
    errorCode: undefined,
    notes: undefined,
  };
}

function receivedRequest(request: FastifyRequest): Parameters<typeof verifyRequest>[0]['request'] {
  if (request.ci.query === undefined) throw new CiError('InvalidArgument', 'The query string has a malformed percent-escape.');
  return { method: request.method, path: decodePath(request.ci.rawPath), query: request.ci.query, headers: request.headers };
}

function authRecord(verdict: Verdict): AuthRecord {
  if (verdict.ok) return { form: verdict.form, secretId: verdict.credential.secretId, verdict: 'ok' };
  return {
    form: verdict.form,
    secretId: verdict.secretId,
    verdict: verdict.code,
    ...(verdict.stringToSign === undefined ? {} : { stringToSign: verdict.stringToSign }),
    ...(verdict.httpString === undefined ? {} : { httpString: verdict.httpString }),
  };
}

function verdictError(verdict: Extract<Verdict, { ok: false }>): CiError {
  const signature =
    verdict.stringToSign !== undefined && verdict.httpString !== undefined
      ? // A security token the client signed is a secret: the answer shows where it was, not what.
        { stringToSign: verdict.stringToSign, formatString: redactHttpString(verdict.httpString) }
      : undefined;
  return new CiError(verdict.code, verdict.message, signature === undefined ? {} : { signature });
}

/** Errors Fastify raises before a handler runs, mapped to CI's codes; anything else is a bug. */
function toCiError(error: FastifyError | CiError, request: FastifyRequest): CiError {
  if (error instanceof CiError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CiError('InvalidContent', `The request body is larger than ${BODY_LIMIT} bytes (1 MiB).`, { status: 413 });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new CiError('InvalidRequest', 'The request body does not have the length its Content-Length header announces.');
    default:
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return new CiError('InvalidRequest', 'The request could not be read.');
      }
      request.log.error({ err: error }, 'unexpected error');
      return new CiError('InternalError', 'The emulator failed unexpectedly; the log has the details.');
  }
}

function sendError(reply: FastifyReply, request: FastifyRequest, error: CiError, cause: unknown): void {
  request.ci.errorCode = error.code;
  if (isAdminPath(request.ci.rawPath) && error.code === 'InvalidUrl') {
    void reply.code(404).type('application/json').send({ error: 'NotFound', message: error.message });
    return;
  }
  reply.code(error.status).headers(error.headers).header('x-ci-trace-id', request.ci.traceId).type('application/xml');
  // A body too large is refused unread: closing the connection stops the upload.
  if (cause !== error && (cause as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    reply.header('Connection', 'close');
    lingerOnClose(request.raw);
  }
  void reply.send(renderErrorXml(error, { resource: request.ci.rawPath, requestId: request.ci.requestId, traceId: request.ci.traceId }));
}
