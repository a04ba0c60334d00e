import { connect, type Socket } from 'node:net';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ERROR_STATUS, KNOWN_ERROR_CODES, type CiErrorCode } from '../../src/errors.js';
import { allowedMethods } from '../../src/api/resources.js';

/**
 * The wire as a client sees it: raw bytes over `net` (so the tests can send what no HTTP client
 * would), a small HTTP/1.1 response reader, and the checks every answer must pass.
 */

export interface Answer {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface Exchange {
  /** Complete responses, in order (1xx interim answers are left out). */
  readonly responses: readonly Answer[];
  /** How the connection ended: the server closed it, it was reset, or we stopped waiting. */
  readonly ending: 'closed' | 'idle' | 'reset' | 'no answer';
  /** Bytes received after the last complete response: a truncated answer when not empty. */
  readonly leftover: number;
}

export interface RawRequest {
  /** Written at once: a request line and headers, or any bytes at all. */
  readonly head: Buffer | string;
  /** Written after the head in chunks, stopping as soon as an answer arrives (an upload the server refuses). */
  readonly body?: Buffer;
  /** The first request is a HEAD: its answer has no body whatever its Content-Length. */
  readonly isHead?: boolean;
}

interface Parsed {
  readonly responses: Answer[];
  readonly consumed: number;
}

function parseHead(text: string): { status: number; headers: Record<string, string> } | undefined {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (statusLine === null) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(statusLine[1]), headers };
}

/** Reads as many complete responses as `data` holds. A response that cannot be read is thrown. */
export function parseResponses(data: Buffer, firstIsHead: boolean, closed: boolean): Parsed {
  const responses: Answer[] = [];
  let offset = 0;
  let index = 0;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', offset, 'latin1');
    if (headEnd === -1) break;
    const head = parseHead(data.subarray(offset, headEnd).toString('latin1'));
    if (head === undefined)
      throw new Error(`unreadable response head: ${JSON.stringify(data.subarray(offset, Math.min(headEnd, offset + 200)).toString('latin1'))}`);
    const bodyStart = headEnd + 4;
    if (head.status >= 100 && head.status < 200) {
      offset = bodyStart;
      continue;
    }
    const noBody = (index === 0 && firstIsHead) || head.status === 204 || head.status === 304;
    let body: Buffer;
    let end: number;
    if (noBody) {
      body = Buffer.alloc(0);
      end = bodyStart;
    } else if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) {
      const chunks: Buffer[] = [];
      let cursor = bodyStart;
      let complete = false;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', cursor, 'latin1');
        if (lineEnd === -1) break;
        const size = parseInt(data.subarray(cursor, lineEnd).toString('latin1'), 16);
        if (Number.isNaN(size)) throw new Error('unreadable chunk size in a response');
        if (size === 0) {
          const trailerEnd = data.indexOf('\r\n', lineEnd + 2, 'latin1');
          if (trailerEnd === -1) break;
          cursor = trailerEnd + 2;
          complete = true;
          break;
        }
        if (lineEnd + 2 + size + 2 > data.length) break;
        chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        cursor = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
      body = Buffer.concat(chunks);
      end = cursor;
    } else if (head.headers['content-length'] !== undefined) {
      const length = Number(head.headers['content-length']);
      if (!Number.isInteger(length) || length < 0) throw new Error(`bad Content-Length in a response: ${head.headers['content-length']}`);
      if (bodyStart + length > data.length) break;
      body = data.subarray(bodyStart, bodyStart + length);
      end = bodyStart + length;
    } else {
      // Delimited by the end of the connection.
      if (!closed) break;
      body = data.subarray(bodyStart);
      end = data.length;
    }
    responses.push({ status: head.status, headers: head.headers, body });
    offset = end;
    index++;
  }
  return { responses, consumed: offset };
}

export interface ExchangeOptions {
  /** Once `answers` complete answers are in, stop waiting when the connection has been quiet this long. */
  readonly idleMs?: number;
  /** How many answers to wait for before the idle cut-off applies (pipelined requests); default 1. */
  readonly answers?: number;
  /** Give up (a failure: "no answer") when nothing at all arrives for this long. */
  readonly noAnswerMs?: number;
  readonly chunkSize?: number;
}

/** Sends raw bytes on a fresh connection and collects every answer until the connection ends. */
export function exchange(port: number, request: RawRequest, options: ExchangeOptions = {}): Promise<Exchange> {
  const idleMs = options.idleMs ?? 250;
  const noAnswerMs = options.noAnswerMs ?? 15_000;
  const chunkSize = options.chunkSize ?? 64 * 1024;
  const awaited = options.answers ?? 1;
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let receivedLength = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let answered = false;
    let complete = 0;

    const finish = (ending: Exchange['ending']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(received, receivedLength);
      let parsed: Parsed;
      try {
        parsed = parseResponses(data, request.isHead === true, ending === 'closed' || ending === 'reset');
      } catch (error) {
        // An unreadable answer is reported as an answer that fails every check.
        const message = error instanceof Error ? error.message : String(error);
        resolve({ responses: [{ status: 0, headers: { 'x-test-problem': message }, body: data }], ending, leftover: 0 });
        return;
      }
      resolve({ responses: parsed.responses, ending, leftover: data.length - parsed.consumed });
    };
    const arm = (ms: number, ending: Exchange['ending']): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(ending), ms);
    };

    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      receivedLength += chunk.length;
      if (complete < awaited) {
        try {
          complete = parseResponses(Buffer.concat(received, receivedLength), request.isHead === true, false).responses.length;
        } catch {
          complete = awaited;
        }
      }
      answered = complete > 0;
      arm(complete >= awaited ? idleMs : noAnswerMs, complete >= awaited ? 'idle' : 'no answer');
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the answer (an upload cut short by the server) is fine; before it, it is a dropped connection.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') finish('reset');
      else finish('reset');
    });
    socket.on('connect', () => {
      arm(noAnswerMs, 'no answer');
      socket.write(request.head);
      if (request.body === undefined) return;
      const body = request.body;
      let offset = 0;
      const pump = (): void => {
        while (offset < body.length && !answered && !settled && !socket.destroyed) {
          const chunk = body.subarray(offset, offset + chunkSize);
          offset += chunk.length;
          if (!socket.write(chunk)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  });
}

/** `POST /template HTTP/1.1` + headers + CRLF CRLF, with Content-Length when there is a body. */
export function rawRequest(method: string, target: string, headers: Readonly<Record<string, string>>, body?: Buffer): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body === undefined ? head : Buffer.concat([head, body]);
}

// ---------------------------------------------------------------------------------------------
// The checks every answer must pass (emulator-contract.md, "Wire behaviour" and "Error codes").

export const ADMIN_PREFIX = '/_emulator';
const NEVER_CODES: readonly string[] = ['InternalError'];
/** Generous: the longest message the emulator writes lists a kind's values, a few hundred characters. */
const MESSAGE_LIMIT_FOR_TESTS = 4096;
const ERROR_FIELDS = ['Code', 'Message', 'Resource', 'RequestId', 'TraceId'] as const;
const strictXml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false });

export interface AnsweredRequest {
  readonly method: string;
  /** The request target as sent: `/template?x=1`; empty when the request line could not be read. */
  readonly target: string;
}

const pathOf = (target: string): string => {
  const mark = target.indexOf('?');
  return mark === -1 ? target : target.slice(0, mark);
};

export const isAdminTarget = (target: string): boolean => {
  const path = pathOf(target);
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
};

/** The methods the contract gives an API path, for checking 405 answers. */
export function allowedMethodsFor(target: string): readonly string[] | undefined {
  const methods = allowedMethods(pathOf(target));
  return methods.length === 0 ? undefined : methods;
}

function expectedStatuses(code: CiErrorCode): readonly number[] {
  return code === 'InvalidContent' ? [400, 413] : [ERROR_STATUS[code]];
}

/**
 * Problems with one answer, as sentences (empty when it is fine). `request` is undefined for an
 * answer to bytes that were not a request the client could name (garbage, a second request).
 */
export function answerProblems(request: AnsweredRequest | undefined, answer: Answer): string[] {
  const problems: string[] = [];
  const { status, headers } = answer;
  if (headers['x-test-problem'] !== undefined) return [headers['x-test-problem']];
  if (status >= 500) problems.push(`a ${status} answer`);
  const method = request?.method.toUpperCase() ?? '';
  const admin = request !== undefined && isAdminTarget(request.target);
  if (admin) return problems;
  if ((status >= 100 && status < 200) || (status >= 300 && status < 400) || status < 100) problems.push(`status ${status} is neither 2xx nor 4xx`);
  // Exempt from the XML rule: HEAD (headers only) and OPTIONS answered 204 (preflight or Allow).
  if (method === 'HEAD') return problems;
  if (method === 'OPTIONS' && status === 204) return problems;
  if (!/^application\/xml\b/.test(headers['content-type'] ?? '')) problems.push(`Content-Type is ${headers['content-type'] ?? 'missing'}`);
  if (headers['server'] !== 'tencent-ci') problems.push(`Server is ${headers['server'] ?? 'missing'}`);
  if (headers['date'] === undefined) problems.push('no Date header');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(answer.body);
  } catch {
    return [...problems, 'the body is not UTF-8'];
  }
  const validation = XMLValidator.validate(text);
  if (validation !== true) return [...problems, `the body is not well-formed XML (${validation.err.msg}): ${text.slice(0, 200)}`];
  const tree = strictXml.parse(text) as Record<string, unknown>;
  const roots = Object.keys(tree).filter((key) => key !== '?xml');
  if (status >= 200 && status < 300) {
    if (roots.length !== 1 || roots[0] !== 'Response') problems.push(`a ${status} answer whose root is ${roots.join(', ')}, not Response`);
    const response = tree['Response'] as Record<string, unknown> | undefined;
    if (response !== undefined && headers['x-ci-request-id'] !== response['RequestId']) {
      problems.push('x-ci-request-id differs from <RequestId>');
    }
    return problems;
  }
  if (roots.length !== 1 || roots[0] !== 'Error') return [...problems, `a ${status} answer whose root is ${roots.join(', ')}, not Error`];
  const error = tree['Error'] as Record<string, unknown>;
  for (const field of ERROR_FIELDS) {
    if (error[field] === undefined) problems.push(`<Error> has no <${field}>`);
  }
  // A message says what was wrong; it does not echo a megabyte of the request back.
  if (String(error['Message']).length > MESSAGE_LIMIT_FOR_TESTS) problems.push(`a Message of ${String(error['Message']).length} characters`);
  const code = String(error['Code']);
  if (!(KNOWN_ERROR_CODES as readonly string[]).includes(code) || NEVER_CODES.includes(code)) {
    problems.push(`code ${code} is not in the contract's table`);
  } else if (!expectedStatuses(code as CiErrorCode).includes(status)) {
    problems.push(`code ${code} with status ${status}, not ${expectedStatuses(code as CiErrorCode).join(' or ')}`);
  }
  if (headers['x-ci-request-id'] !== String(error['RequestId'])) problems.push('x-ci-request-id differs from <RequestId>');
  if (headers['x-ci-trace-id'] !== String(error['TraceId'])) problems.push('x-ci-trace-id differs from <TraceId>');
  if (request !== undefined && request.target.startsWith('/')) {
    // 405 is for a method the path does not take, never for one it does.
    const allowed = allowedMethodsFor(request.target);
    if (code === 'MethodNotAllowed' && (allowed === undefined || allowed.includes(method))) {
      problems.push(
        `MethodNotAllowed for ${method} on ${pathOf(request.target).slice(0, 80)}, which ${allowed === undefined ? 'is not an API path' : 'takes it'}`,
      );
    }
    if (code === 'MethodNotAllowed' && headers['allow'] === undefined) problems.push('a 405 without Allow');
    if (code === 'TemplateNotFound' && method !== 'PUT' && method !== 'DELETE') problems.push(`TemplateNotFound for ${method}`);
    if (code === 'InvalidUrl' && allowed !== undefined) problems.push(`InvalidUrl for the API path ${pathOf(request.target).slice(0, 80)}`);
  }
  return problems;
}

/** The code of an `<Error>` answer, or undefined. */
export function errorCodeOf(answer: Answer): string | undefined {
  const match = /<Error><Code>([^<]*)<\/Code>/.exec(answer.body.toString('utf8'));
  return match?.[1];
}
