import type { FastifyCorsOptions, FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import { BoundedCache } from './bounded-cache.js';
import { isAdminPath, splitUrl } from './request-context.js';

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

const isAdminRequest = (request: FastifyRequest): boolean =>
  isAdminPath((request.ci as FastifyRequest['ci'] | null)?.rawPath ?? splitUrl(request.url).rawPath);

export const isPreflight = (request: FastifyRequest): boolean =>
  request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;

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

/** The options for one request: what the delegator hands @fastify/cors. */
export function corsOptionsFor(request: FastifyRequest, allowedOrigins: readonly string[]): FastifyCorsOptions {
  const anyOrigin = allowedOrigins.includes('*');
  return {
    // A string is sent as is: the request's Origin, or `*` when it has none (curl, Node SDKs).
    // A list makes @fastify/cors echo the Origin only when it is on the list (CIE_CORS_ORIGINS).
    // An empty Origin counts as none: @fastify/cors fails on an empty string (a 500).
    origin: anyOrigin ? request.headers.origin || '*' : [...allowedOrigins],
    methods: CORS_METHODS,
    allowedHeaders: allowedHeadersFor(request),
    exposedHeaders: CORS_EXPOSED_HEADERS,
    // Every OPTIONS is answered 204 here, before faults and auth; a plain one (no Origin, no
    // Access-Control-Request-Method) gets its Allow header from the server's onSend hook.
    strictPreflight: false,
  };
}

/**
 * Only a preflight needs options of its own (the requested headers are echoed). Every other
 * request gets one of a few shared objects, one per Origin, so the hot path allocates nothing.
 */
export function corsOptions(origins: CorsOrigins): { delegator: FastifyCorsOptionsDelegateCallback } {
  // Origins are client-chosen: a few dozen are kept, not as many as clients send.
  const shared = { api: new BoundedCache<string, FastifyCorsOptions>(64), admin: new BoundedCache<string, FastifyCorsOptions>(64) };
  return {
    delegator: (request, done) => {
      const api = isAdminRequest(request) ? 'admin' : 'api';
      if (request.method === 'OPTIONS') {
        done(null, corsOptionsFor(request, origins[api]));
        return;
      }
      const origin = request.headers.origin ?? '';
      done(null, shared[api].get(origin) ?? shared[api].set(origin, corsOptionsFor(request, origins[api])));
    },
  };
}

/**
 * The same headers, for the one kind of answer @fastify/cors never sees: a path the router
 * cannot decode (`/template/%zz`) goes straight to `frameworkErrors`, with no hook run. Without
 * these a browser would report a CORS failure instead of CI's InvalidArgument.
 */
export function corsHeadersWithoutHooks(request: FastifyRequest, origins: CorsOrigins): Record<string, string> {
  const allowedOrigins = isAdminRequest(request) ? origins.admin : origins.api;
  const options = corsOptionsFor(request, allowedOrigins);
  const origin = request.headers.origin;
  const allowOrigin = typeof options.origin === 'string' ? options.origin : origin !== undefined && allowedOrigins.includes(origin) ? origin : undefined;
  const headers: Record<string, string> = { Vary: 'Origin', 'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS.join(', ') };
  if (allowOrigin !== undefined) headers['Access-Control-Allow-Origin'] = allowOrigin;
  if (request.method === 'OPTIONS') {
    headers['Access-Control-Allow-Methods'] = CORS_METHODS.join(', ');
    headers['Access-Control-Allow-Headers'] = allowedHeadersFor(request).join(', ');
  }
  return headers;
}
