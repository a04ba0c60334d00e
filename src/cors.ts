import type { FastifyCorsOptions, FastifyCorsOptionsDelegateCallback } from '@fastify/cors';

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

export function corsOptions(allowedOrigins: readonly string[]): { delegator: FastifyCorsOptionsDelegateCallback } {
  const anyOrigin = allowedOrigins.includes('*');
  return {
    delegator: (request, done) => {
      const requested = request.headers['access-control-request-headers'];
      const extra = typeof requested === 'string' ? requested.split(',').map((name) => name.trim()).filter((name) => name !== '') : [];
      const options: FastifyCorsOptions = {
        origin: anyOrigin ? (request.headers.origin ?? '*') : [...allowedOrigins],
        methods: CORS_METHODS,
        allowedHeaders: [...new Set([...CORS_ALLOWED_HEADERS, ...extra])],
        exposedHeaders: CORS_EXPOSED_HEADERS,
        // A plain OPTIONS (no Origin) is answered 204 too; the server adds its Allow header.
        strictPreflight: false,
      };
      done(null, options);
    },
  };
}
