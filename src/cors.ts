import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAdminPath } from './request-context.js';

/**
 * @fastify/cors, configured to what Chromium and cos-js-sdk-v5 need (ci-template-api.md §5):
 * every path answers preflights without auth; the Allow-Origin echoes the Origin (or is `*`);
 * Allow-Headers names Authorization and the token headers explicitly, since a `*` does not
 * cover Authorization, and adds whatever else the browser asks for; every answer exposes the
 * request id.
 */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'x-cos-security-token', 'x-ci-security-token', 'x-cos-sdk-retry'];
export const CORS_EXPOSED_HEADERS = ['x-ci-request-id', 'x-ci-trace-id', 'Date'];
export const CORS_METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

// An HTTP token (RFC 9110 §5.6.2): anything else in Access-Control-Request-Headers is not echoed.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Two lists: the CI API's (CIE_CORS_ORIGINS, every origin by default: browsers must reach it, and
 * it is signed) and the admin API's (CIE_ADMIN_ORIGINS, none by default: it is not signed, and a
 * page on another origin must not read the journal or empty the store).
 */
export interface CorsOrigins {
  readonly api: readonly string[];
  readonly admin: readonly string[];
}

/** The list that applies to a request. Every caller runs after the context (step 1) is made. */
const allowedOriginsFor = (request: FastifyRequest, origins: CorsOrigins): readonly string[] => (isAdminPath(request.ci.rawPath) ? origins.admin : origins.api);

export const isPreflight = (request: FastifyRequest): boolean => request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;

/** Our list, then the requested names it does not already hold (compared case-insensitively). */
function allowedHeadersFor(request: FastifyRequest): string[] {
  const requested = request.headers['access-control-request-headers'];
  const names = [...CORS_ALLOWED_HEADERS];
  const seen = new Set(names.map((name) => name.toLowerCase()));
  for (const name of typeof requested === 'string' ? requested.split(',') : []) {
    const trimmed = name.trim();
    if (!HEADER_NAME.test(trimmed) || seen.has(trimmed.toLowerCase())) continue;
    seen.add(trimmed.toLowerCase());
    names.push(trimmed);
  }
  return names;
}

/** What Access-Control-Allow-Origin says to this Origin, or undefined when it is not allowed. */
function allowedOrigin(origin: string | undefined, allowedOrigins: readonly string[]): string | undefined {
  // Every origin: the request's own, or `*` when it has none (curl, Node SDKs) or an empty one.
  if (allowedOrigins.includes('*')) return origin || '*';
  // A list (CIE_CORS_ORIGINS, CIE_ADMIN_ORIGINS): the Origin is echoed only when it is on it.
  return origin !== undefined && allowedOrigins.includes(origin) ? origin : undefined;
}

const EXPOSED = CORS_EXPOSED_HEADERS.join(', ');
const METHODS = CORS_METHODS.join(', ');

/**
 * The preflight's options, what the delegator hands @fastify/cors for an OPTIONS. An origin given
 * as a string is sent as is; a list makes @fastify/cors echo the Origin only when it is on it.
 */
function preflightOptions(request: FastifyRequest, allowedOrigins: readonly string[]): FastifyCorsOptions {
  return {
    // An empty Origin counts as none: @fastify/cors fails on an empty string (a 500).
    origin: allowedOrigins.includes('*') ? request.headers.origin || '*' : [...allowedOrigins],
    methods: CORS_METHODS,
    allowedHeaders: allowedHeadersFor(request),
    exposedHeaders: CORS_EXPOSED_HEADERS,
    // Every OPTIONS is answered 204 here, before faults and auth; a plain one (no Origin, no
    // Access-Control-Request-Method) gets its Allow header from the server's onSend hook.
    strictPreflight: false,
  };
}

/**
 * Step 2 of the pipeline, in two parts. Only an OPTIONS needs options of its own (the requested
 * headers are echoed), so @fastify/cors is registered in a context of its own whose only route is
 * its OPTIONS route: every other request skips its per-request delegator, which cost about 17 µs
 * (docs/performance.md), and gets its three headers from `corsHeaders` in one small hook.
 */
export async function registerCors(app: FastifyInstance, origins: CorsOrigins): Promise<void> {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'OPTIONS') reply.headers(corsHeaders(request, origins));
    done();
  });
  await app.register(async (preflights) => {
    await preflights.register(cors, {
      delegator: (request, done) => done(null, preflightOptions(request, allowedOriginsFor(request, origins))),
    });
  });
}

/**
 * The CORS headers of one answer, as @fastify/cors writes them: for the requests it does not see
 * (every one but an OPTIONS), and for the one kind of answer no hook sees, a path the router
 * cannot decode (`/template/%zz`), which goes straight to `frameworkErrors`. Without them a
 * browser would report a CORS failure instead of CI's InvalidArgument.
 */
export function corsHeaders(request: FastifyRequest, origins: CorsOrigins): Record<string, string> {
  const allowOrigin = allowedOrigin(request.headers.origin, allowedOriginsFor(request, origins));
  const headers: Record<string, string> = { Vary: 'Origin' };
  if (allowOrigin !== undefined) headers['Access-Control-Allow-Origin'] = allowOrigin;
  headers['Access-Control-Expose-Headers'] = EXPOSED;
  if (request.method === 'OPTIONS') {
    headers['Access-Control-Allow-Methods'] = METHODS;
    headers['Access-Control-Allow-Headers'] = allowedHeadersFor(request).join(', ');
  }
  return headers;
}
