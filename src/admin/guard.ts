import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { HOST_NAME, normalizeOrigin, type EmulatorConfig } from '../config.js';
import { isAdminPath } from '../request-context.js';
import { constantTimeEqual } from '../signature.js';

/**
 * Who may call `/_emulator/*`. The CI API is protected by its q-sign signatures; the admin API
 * reads the journal (bodies, signature details) and can empty the store, with no signature and,
 * by default, no token. So a page on another site must not reach it, whether through CORS, a
 * plain HTML form, or DNS rebinding (a host name that resolves to 127.0.0.1). Three checks, in
 * this order, before the admin token's own (admin/routes.ts); health is exempt from all:
 *
 *   1. Host       a name a rebinding page cannot have                        → 403 ForbiddenHost
 *   2. origin     a state-changing request comes from no page, or from ours  → 403 ForbiddenOrigin
 *   3. body type  JSON, or form-urlencoded from the dashboard's forms       → 415 UnsupportedMediaType
 *
 * What a browser sends in Origin and Sec-Fetch-Site no page can change, and both are checked
 * before any body is read. docs/reliability.md ("Security") says why each rule is what it is.
 */

export const HEALTH_PATH = '/_emulator/health';
/** The Content-Types an admin body may have: JSON for scripts, urlencoded for the dashboard's forms. */
export const ADMIN_BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Sec-Fetch-Site values a page on another origin cannot produce. */
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);
/** Host names that resolve to this machine or to a container beside it, and that no page on the web can have. */
const DOCKER_HOST = 'host.docker.internal';
/** A Host or Origin quoted in a refusal is cut here: they are client-chosen and may be 64 KiB long. */
const QUOTE_LIMIT = 200;

interface Refusal {
  readonly status: 403 | 415;
  readonly code: 'ForbiddenHost' | 'ForbiddenOrigin' | 'UnsupportedMediaType';
  readonly message: string;
}

const quote = (text: string): string => JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text);

/**
 * The host name of a Host header, lower case, without its port or a final dot; undefined for a
 * value that names no host (empty, a bad port, brackets around something other than IPv6).
 */
export function hostNameOf(host: string): string | undefined {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    const inside = value.slice(1, close);
    const rest = value.slice(close + 1);
    return close !== -1 && isIP(inside) === 6 && /^(?::\d*)?$/.test(rest) ? inside : undefined;
  }
  const colon = value.lastIndexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  if (colon !== -1 && !/^\d*$/.test(value.slice(colon + 1))) return undefined;
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return HOST_NAME.test(bare) ? bare : undefined;
}

/**
 * localhost and *.localhost (RFC 6761: never sent to DNS), IP literals, single-label names
 * (compose service names: `ci-emulator`), host.docker.internal, and CIE_ALLOWED_HOSTS. A page
 * that rebinds its own name to 127.0.0.1 sends that name, which is none of these.
 */
export function isAllowedHost(host: string | undefined, allowedHosts: ReadonlySet<string>): boolean {
  // HTTP/1.0 without Host: no browser sends that.
  if (host === undefined) return true;
  const name = hostNameOf(host);
  if (name === undefined) return false;
  return name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0 || !name.includes('.') || name === DOCKER_HOST || allowedHosts.has(name);
}

function bearerToken(request: FastifyRequest): string | undefined {
  return /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
}

function hasBody(request: FastifyRequest): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

const headerText = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

/** `application/json` of `Application/JSON; charset=utf-8`; empty without a Content-Type. */
export const mediaTypeOf = (request: FastifyRequest): string => (headerText(request.headers['content-type']) ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/**
 * Also the message of Fastify's own 415, for a Content-Type no admin parser reads on a request
 * without a body (admin/routes.ts): one refusal, whichever finds it.
 */
export function unsupportedMediaTypeMessage(mediaType: string): string {
  return (
    `/_emulator/ reads a body sent as application/json, or application/x-www-form-urlencoded from the dashboard's forms; ` +
    `this one is ${mediaType === '' ? 'without a Content-Type' : quote(mediaType)}. A request without a body needs no Content-Type.`
  );
}

export function adminGuard(config: EmulatorConfig): onRequestHookHandler {
  const allowedHosts = new Set(config.allowedHosts.map((host) => host.toLowerCase()));
  const allowedOrigins = new Set(config.adminOrigins.map((origin) => normalizeOrigin(origin) ?? origin));

  function hostRefusal(request: FastifyRequest): Refusal | undefined {
    const host = request.headers.host;
    if (isAllowedHost(host, allowedHosts)) return undefined;
    return {
      status: 403,
      code: 'ForbiddenHost',
      message:
        `/_emulator/ does not answer the Host ${quote(host ?? '')}: a web page whose name resolves to this machine (DNS rebinding) would reach it that way. ` +
        `It answers localhost, *.localhost, IP literals, single-label names and ${DOCKER_HOST}; if this name is yours, add it to CIE_ALLOWED_HOSTS (--allowed-hosts).`,
    };
  }

  /** A state-changing request: no page sent it, or ours did, or one CIE_ADMIN_ORIGINS names, or it carries the token. */
  function originRefusal(request: FastifyRequest): Refusal | undefined {
    if (SAFE_METHODS.has(request.method)) return undefined;
    const origin = headerText(request.headers.origin);
    const fetchSite = headerText(request.headers['sec-fetch-site'])?.trim().toLowerCase();
    if (origin === undefined && fetchSite === undefined) return undefined;
    if (fetchSite !== undefined && OWN_FETCH_SITES.has(fetchSite)) return undefined;
    const own = normalizeOrigin(`${request.protocol}://${request.headers.host ?? ''}`);
    const sender = origin === undefined ? undefined : normalizeOrigin(origin.trim());
    if (sender !== undefined && (sender === own || allowedOrigins.has(sender))) return undefined;
    const bearer = bearerToken(request);
    if (bearer !== undefined && config.adminToken !== undefined && constantTimeEqual(config.adminToken, bearer)) return undefined;
    return {
      status: 403,
      code: 'ForbiddenOrigin',
      message:
        `/_emulator/ takes changes only from its own pages (${own ?? 'its own origin'}), from clients that send no Origin (curl, scripts), ` +
        `with Authorization: Bearer <CIE_ADMIN_TOKEN>, or from an origin listed in CIE_ADMIN_ORIGINS (--admin-origins). ` +
        `This request came from ${origin === undefined ? 'a page' : quote(origin)}${fetchSite === undefined ? '' : ` (Sec-Fetch-Site: ${quote(fetchSite)})`}.`,
    };
  }

  /** A body another page could forge with a plain form (text/plain, multipart) is never read. */
  function mediaTypeRefusal(request: FastifyRequest): Refusal | undefined {
    if (!hasBody(request)) return undefined;
    const mediaType = mediaTypeOf(request);
    if ((ADMIN_BODY_TYPES as readonly string[]).includes(mediaType)) return undefined;
    return { status: 415, code: 'UnsupportedMediaType', message: unsupportedMediaTypeMessage(mediaType) };
  }

  return (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const path = request.ci.rawPath;
    if (!isAdminPath(path) || path === HEALTH_PATH) {
      done();
      return;
    }
    const refusal = hostRefusal(request) ?? originRefusal(request) ?? mediaTypeRefusal(request);
    if (refusal === undefined) {
      done();
      return;
    }
    request.ci.errorCode = refusal.code;
    // Answered here, so no later hook (the token check, faults) and no body parser runs.
    void reply.code(refusal.status).type('application/json').send({ error: refusal.code, message: refusal.message });
  };
}
