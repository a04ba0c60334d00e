import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { adminGuard } from './admin/guard.js';
import { registerAdminRoutes } from './admin/routes.js';
import { FaultRegistry } from './admin/faults.js';
import { journalBody, redactHttpString, RequestJournal } from './admin/journal.js';
import { bucketFromHost, bucketRef, type BucketRef } from './bucket.js';
import { normalizeOrigin, type EmulatorConfig } from './config.js';
import { openDatabase } from './db.js';
import { CiError, renderErrorXml } from './errors.js';
import { newRequestId, newTraceId } from './ids.js';
import { loadKindRegistry, type KindRegistry } from './kinds/registry.js';
import { decodePath, isAdminPath, parseQueryPairs, splitUrl, type AuthRecord, type RequestContext } from './request-context.js';
import { corsHeadersWithoutHooks, corsOptions, CORS_EXPOSED_HEADERS, CORS_METHODS, isPreflight, type CorsOrigins } from './cors.js';
import { verifyRequest, type Credential, type Verdict } from './signature.js';
import { API_ROUTES, registerTemplateRoutes } from './templates/routes.js';
import { SqliteTemplateStore, type TemplateStore } from './templates/store.js';
import { loadSeeds, type Seeds } from './admin/seeds.js';

declare module 'fastify' {
  interface FastifyRequest {
    ci: RequestContext;
  }
}

export interface ServerDeps {
  readonly kinds?: KindRegistry;
  readonly store?: TemplateStore;
  /** Milliseconds since the epoch; tests move it to check signature windows and times. */
  readonly clock?: () => number;
  /** Where pino writes; tests capture it to check that no secret is logged. */
  readonly logStream?: NodeJS.WritableStream;
  /** PEM certificate and key: serve HTTPS. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export const BODY_LIMIT = 1024 * 1024;
export const HEADER_LIMIT = 64 * 1024;
/** How long a connection refused for its body size keeps draining the upload before it closes. */
const LINGER_MS = 2000;
const ADMIN_PREFIX = '/_emulator';

/**
 * The whole request pipeline, in order:
 *   1. context    request id, bucket from Host, query            (onRequest, every path)
 *   2. CORS       preflights answered, headers on every answer   (@fastify/cors, onRequest)
 *   2b. admin     Host, origin and body type of /_emulator/*     (admin/guard.ts, onRequest)
 *   3. faults     injected delays and errors, before auth        (onRequest, API paths)
 *   4. auth       q-sign verification against CIE_KEYS           (onRequest, API routes)
 *   5. body       raw bytes whatever the Content-Type, 1 MiB     (content-type parser)
 *   6. handler    XML → kind validation → store → XML            (templates/routes.ts)
 *   7. headers    Server, x-ci-request-id                        (onSend)
 *   8. errors     any failure → CI's <Error> XML                  (error handler)
 *   9. journal    one log line and one journal entry             (onResponse)
 */
export async function buildServer(config: EmulatorConfig, deps: ServerDeps = {}): Promise<FastifyInstance> {
  const kinds = deps.kinds ?? (await loadKindRegistry());
  const clock = deps.clock ?? Date.now;
  const nowSeconds = (): number => Math.floor(clock() / 1000);
  const seeds: Seeds = loadSeeds(config.seed, kinds, config.defaultBucket);
  const store = deps.store ?? new SqliteTemplateStore(openDatabase(config.db));
  const defaultBucket = bucketRef(config.defaultBucket);
  const credentials = new Map<string, Credential>(config.keys.map((key) => [key.secretId, key]));
  const journal = new RequestJournal(config.journalSize);
  const faults = new FaultRegistry();

  seeds.applyAtStart(store, nowSeconds());

  // The requests each connection is answering. A parse error in bytes that follow complete
  // requests (pipelining) is answered after their answers: answering it at once would replace
  // the answer of a request that has already taken effect (a create the client never hears of).
  const inFlight = new WeakMap<Socket, { readonly requests: Set<IncomingMessage>; then: (() => void) | undefined }>();
  const anyOrigin = config.corsOrigins.includes('*');
  const corsOrigins: CorsOrigins = { api: config.corsOrigins, admin: config.adminOrigins.map((origin) => normalizeOrigin(origin) ?? origin) };

  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(deps.logStream === undefined ? {} : { stream: deps.logStream }),
      redact: { paths: ['req.headers.authorization', 'req.headers["x-cos-security-token"]', 'req.headers["x-ci-security-token"]', 'req.headers.cookie'], censor: '[redacted]' },
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
      maxParamLength: 1000,
      // The query is split by the pipeline itself: it must see exact values to verify signatures.
      querystringParser: () => ({}),
    },
    // The request was never parsed, so its Origin is unknown: only an allow-all policy can be applied.
    clientErrorHandler: (error, socket) => {
      const answering = inFlight.get(socket);
      const write = (): void => writeClientError(error, socket, anyOrigin);
      // Requests read in full are answered first; a request still being read is the one at fault.
      if (answering !== undefined && answering.requests.size > 0 && [...answering.requests].every((request) => request.complete)) {
        answering.then = write;
        return;
      }
      write();
    },
    // No hook runs for these answers: CORS and the CI headers are added here.
    frameworkErrors: (error, request, reply) => {
      request.ci = createContext(request, defaultBucket);
      reply.headers(corsHeadersWithoutHooks(request, corsOrigins));
      if (isPreflight(request)) {
        const preflightReply: FastifyReply = reply;
        void preflightReply.code(204).header('Content-Length', '0').send();
        return;
      }
      reply.header('Server', 'tencent-ci').header('x-ci-request-id', request.ci.requestId);
      const problem = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'has a TemplateId longer than 1000 characters' : 'has a malformed percent-escape';
      sendError(reply, request, new CiError('InvalidArgument', `The path ${request.ci.rawPath} ${problem}.`), error);
    },
  }) as unknown as FastifyInstance;

  app.decorateRequest('ci', null as unknown as RequestContext);

  // Node answers these outside Fastify: an empty 417 for an Expect other than 100-continue (the
  // expectation is ignored instead, as RFC 9110 allows), and a dropped connection for CONNECT.
  app.server.on('checkExpectation', app.routing);
  app.server.on('connect', (request: IncomingMessage, socket: Socket) => {
    const { rawPath } = splitUrl(request.url ?? '');
    const methods = allowedMethods(rawPath);
    const error =
      methods.length > 0
        ? new CiError('MethodNotAllowed', `CONNECT is not allowed on ${rawPath}; use ${methods.join(', ')}.`, { headers: { Allow: methods.join(', ') } })
        : new CiError('InvalidUrl', `${rawPath} is not a CI API path; the emulator serves /template and /template/<TemplateId>.`);
    writeRawError(socket, error, rawPath, anyOrigin);
  });

  // Hooks take Fastify's callback form: the promise of an async hook costs on every request.
  // 1. context
  app.addHook('onRequest', (request, reply, done) => {
    request.ci = createContext(request, defaultBucket);
    const { socket } = request.raw;
    if (socket !== undefined && socket !== null) {
      const answering = inFlight.get(socket) ?? { requests: new Set<IncomingMessage>(), then: undefined };
      inFlight.set(socket, answering);
      answering.requests.add(request.raw);
      reply.raw.once('close', () => {
        answering.requests.delete(request.raw);
        const then = answering.requests.size === 0 ? answering.then : undefined;
        answering.then = undefined;
        then?.();
      });
    }
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      done(new CiError('InvalidRequest', 'An HTTP/1.1 request must have a Host header.'));
      return;
    }
    done();
  });

  // 2. CORS
  await app.register(cors, corsOptions(corsOrigins));
  // 2b. who may call /_emulator/ (before its token check, which admin/routes.ts adds)
  app.addHook('onRequest', adminGuard(config));

  // 3. faults
  app.addHook('onRequest', (request, _reply, done) => {
    const fault = faults.take(request.method, request.ci.rawPath);
    if (fault === undefined) {
      done();
      return;
    }
    const injected =
      fault.code !== undefined && fault.status !== undefined
        ? CiError.injected(fault.code, fault.status, `This error was injected by fault ${fault.id} (/_emulator/faults).`)
        : undefined;
    if (fault.delayMs > 0) setTimeout(() => done(injected), fault.delayMs);
    else done(injected);
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
    throw new CiError('InvalidUrl', `${request.ci.rawPath} is not a CI API path; the emulator serves /template and /template/<TemplateId>.`);
  });

  // 9. journal and log
  app.addHook('onResponse', (request, reply, done) => {
    const { ci } = request;
    const ms = Math.round(reply.elapsedTime * 100) / 100;
    request.log.info({ requestId: ci.requestId, method: request.method, path: ci.rawPath, bucket: ci.bucket.id, status: reply.statusCode, code: ci.errorCode, ms }, 'request');
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
      auth: ci.auth ?? { form: 'none', secretId: undefined, verdict: 'not checked' },
    });
    done();
  });

  // 4–6. the CI API
  await app.register(async (api) => {
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
    api.addHook('onRequest', (request, _reply, done) => {
      try {
        const verdict = verifyRequest({ request: receivedRequest(request), credentials, now: nowSeconds(), appId: request.ci.bucket.appId });
        request.ci.auth = authRecord(verdict);
        done(!verdict.ok && config.auth === 'strict' ? verdictError(verdict) : undefined);
      } catch (error) {
        done(error as CiError);
      }
    });
    // The body is read whatever its Content-Type: SDKs differ, and browsers send text/plain.
    api.addHook('preParsing', (request, _reply, payload, done) => {
      if (request.headers['content-type'] !== undefined) request.headers['content-type'] = 'application/xml';
      done(null, payload);
    });
    registerTemplateRoutes(api, { kinds, store, tzOffset: config.tzOffset, now: nowSeconds });
  });

  await app.register(async (admin) => registerAdminRoutes(admin, { config, kinds, store, journal, faults, seeds, now: nowSeconds }), {
    prefix: ADMIN_PREFIX,
  });

  app.addHook('onClose', async () => store.close());
  return app;
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
    errorCode: undefined,
  };
}

function allowedMethods(path: string): readonly string[] {
  return API_ROUTES.find((route) => route.pattern.test(path))?.methods ?? [];
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

/**
 * Node closes a `Connection: close` connection as soon as the answer is written. A client still
 * sending its body then gets a reset, and fails with EPIPE before it reads the 413 waiting for
 * it. So this connection half-closes instead and drops what still arrives, for at most
 * LINGER_MS (a lingering close, as nginx does): the client reads the answer, then stops.
 */
function lingerOnClose(incoming: IncomingMessage): void {
  const { socket } = incoming;
  if (socket === undefined || socket === null) return;
  socket.destroySoon = (): void => {
    socket.end();
    incoming.resume();
    socket.resume();
    const deadline = setTimeout(() => socket.destroy(), LINGER_MS);
    deadline.unref();
    socket.once('close', () => clearTimeout(deadline));
  };
}

/** Requests the HTTP parser refuses still get CI's XML error before the connection closes. */
function writeClientError(error: Error & { code?: string }, socket: Socket, anyOrigin: boolean): void {
  const ciError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new CiError('RequestHeaderSectionTooLarge', `The header section is larger than ${HEADER_LIMIT} bytes.`)
      : new CiError('InvalidRequest', 'The HTTP request could not be parsed.');
  writeRawError(socket, ciError, '', anyOrigin);
}

/** CI's XML error written straight to a connection that Fastify does not answer, which then closes. */
function writeRawError(socket: Socket, ciError: CiError, resource: string, anyOrigin: boolean): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = newRequestId();
  const traceId = newTraceId();
  const body = renderErrorXml(ciError, { resource, requestId, traceId });
  const extraHeaders = Object.entries(ciError.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${ciError.status} ${STATUS_CODES[ciError.status] ?? ''}\r\n` +
      `Content-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nServer: tencent-ci\r\n` +
      `x-ci-request-id: ${requestId}\r\nx-ci-trace-id: ${traceId}\r\nDate: ${new Date().toUTCString()}\r\n${extraHeaders}` +
      (anyOrigin ? `Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: ${CORS_EXPOSED_HEADERS.join(', ')}\r\n` : '') +
      `Connection: close\r\n\r\n${body}`,
  );
}
