import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { CiError, renderErrorXml } from '../errors.js';
import { newRequestId, newTraceId } from '../ids.js';
import { CORS_EXPOSED_HEADERS } from '../cors.js';

/**
 * What happens below Fastify, on the connection itself: requests the HTTP parser refuses,
 * CONNECT (which Node answers outside any route), and the lingering close after a 413. Each
 * still answers CI's XML error, written straight to the socket.
 */

export const HEADER_LIMIT = 64 * 1024;
/** How long a connection refused for its body size keeps draining the upload before it closes. */
const LINGER_MS = 2000;

/** The methods the CI API takes somewhere, for the Allow header of a CONNECT's 405. */
const API_METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS';

export class ConnectionLayer {
  /**
   * The requests each connection is answering. A parse error in bytes that follow complete
   * requests (pipelining) is answered after their answers: answering it at once would replace
   * the answer of a request that has already taken effect (a create the client never hears of).
   */
  readonly #inFlight = new WeakMap<Socket, { readonly requests: Set<IncomingMessage>; then: (() => void) | undefined }>();

  /** `anyOrigin`: the CORS policy allows every origin, so raw answers may say so too. */
  constructor(private readonly anyOrigin: boolean) {}

  /** Called for every request Fastify reads, so a parse error after it waits for its answer. */
  track(request: IncomingMessage, onAnswered: (listener: () => void) => void): void {
    const { socket } = request;
    const answering = this.#inFlight.get(socket) ?? { requests: new Set<IncomingMessage>(), then: undefined };
    this.#inFlight.set(socket, answering);
    answering.requests.add(request);
    onAnswered(() => {
      answering.requests.delete(request);
      const then = answering.requests.size === 0 ? answering.then : undefined;
      answering.then = undefined;
      then?.();
    });
  }

  /** Fastify's clientErrorHandler: the request was never parsed, so its Origin is unknown. */
  readonly clientError = (error: Error & { code?: string }, socket: Socket): void => {
    const ciError =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? new CiError('RequestHeaderSectionTooLarge', `The header section is larger than ${HEADER_LIMIT} bytes.`)
        : new CiError('InvalidRequest', 'The HTTP request could not be parsed.');
    const write = (): void => this.writeError(socket, ciError, '');
    const answering = this.#inFlight.get(socket);
    // Requests read in full are answered first; a request still being read is the one at fault.
    if (answering !== undefined && answering.requests.size > 0 && [...answering.requests].every((request) => request.complete)) {
      answering.then = write;
      return;
    }
    write();
  };

  /**
   * A client whose proxy is the emulator but whose scheme is https opens a tunnel with CONNECT.
   * The emulator is a plain HTTP proxy only: the answer says to use http through it.
   */
  readonly connect = (request: IncomingMessage, socket: Socket): void => {
    const target = request.url ?? '';
    const error = new CiError(
      'MethodNotAllowed',
      `CONNECT ${target} asks the emulator for a TLS tunnel, which it does not open. Use it as a plain HTTP proxy: ` +
        "give the SDK the http scheme (cos-nodejs-sdk-v5 Protocol: 'http:', cos-python-sdk-v5 Scheme='http', an http:// URL in Go), " +
        "and leave the rest of the client's traffic out of the proxy with NO_PROXY.",
      { headers: { Allow: API_METHODS } },
    );
    this.writeError(socket, error, target);
  };

  /** CI's XML error written straight to a connection that Fastify does not answer, which then closes. */
  writeError(socket: Socket, ciError: CiError, resource: string): void {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const requestId = newRequestId();
    const traceId = newTraceId();
    const body = renderErrorXml(ciError, { resource, requestId, traceId });
    const extraHeaders = Object.entries(ciError.headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(
      `HTTP/1.1 ${ciError.status} ${STATUS_CODES[ciError.status] ?? ''}\r\n` +
        `Content-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nServer: tencent-ci\r\n` +
        `x-ci-request-id: ${requestId}\r\nx-ci-trace-id: ${traceId}\r\nDate: ${new Date().toUTCString()}\r\n${extraHeaders}` +
        (this.anyOrigin ? `Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: ${CORS_EXPOSED_HEADERS.join(', ')}\r\n` : '') +
        `Connection: close\r\n\r\n${body}`,
    );
  }
}

/**
 * Node closes a `Connection: close` connection as soon as the answer is written. A client still
 * sending its body then gets a reset, and fails with EPIPE before it reads the 413 waiting for
 * it. So this connection half-closes instead and drops what still arrives, for at most
 * LINGER_MS (a lingering close, as nginx does): the client reads the answer, then stops.
 */
export function lingerOnClose(incoming: IncomingMessage): void {
  const { socket } = incoming;
  socket.destroySoon = (): void => {
    socket.end();
    incoming.resume();
    socket.resume();
    const deadline = setTimeout(() => socket.destroy(), LINGER_MS);
    deadline.unref();
    socket.once('close', () => clearTimeout(deadline));
  };
}

/**
 * A request target in absolute form (`POST http://demo-1250000000.ci.ap-chongqing.myqcloud.com/template`),
 * what a client sends to the emulator set as its HTTP proxy. RFC 9112 §3.2.2: the server uses
 * the target's authority and ignores the Host header. Answers the origin form and the
 * authority, or undefined for an origin-form target.
 */
export function splitAbsoluteTarget(url: string): { readonly path: string; readonly authority: string } | undefined {
  const match = ABSOLUTE_TARGET.exec(url);
  if (match === null) return undefined;
  const [, authority = '', rest = ''] = match;
  // userinfo is deprecated in http(s) URIs and never part of the Host (RFC 9110 §4.2.4).
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  return { authority: host, path: rest.startsWith('/') ? rest : `/${rest}` };
}

const ABSOLUTE_TARGET = /^https?:\/\/([^/?#]*)([^#]*)/i;
