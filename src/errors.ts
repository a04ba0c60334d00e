import { leaf } from './xml-escape.js';

/**
 * The one error type of the emulator, and the one table from CI error code to HTTP status.
 * Everything that goes wrong in a request ends up as a CiError and is rendered as CI's
 * `<Error>` XML by the server's error handler.
 */

export const ERROR_STATUS = {
  MissingContent: 400,
  InvalidContent: 400,
  InvalidArgument: 400,
  InvalidRequest: 400,
  TemplateNameDuplicate: 400,
  MissingAuthorization: 401,
  InvalidAuthorization: 401,
  SecretidNotExist: 401,
  SignatureExpired: 401,
  RequestTimeTooSkewed: 403,
  SignatureDoesNotMatch: 403,
  AccessDenied: 403,
  TemplateNotFound: 404,
  // CI's code 1106; no status is documented: 404, as for TemplateNotFound.
  QueueNotFound: 404,
  QueuePaused: 403,
  InvalidUrl: 404,
  MethodNotAllowed: 405,
  RequestHeaderSectionTooLarge: 431,
  InternalError: 500,
} as const;

export type CiErrorCode = keyof typeof ERROR_STATUS;

/** Codes whose status differs by case: the contract gives InvalidContent 400 or 413. */
const ALTERNATE_STATUS: Partial<Record<CiErrorCode, readonly number[]>> = {
  InvalidContent: [413],
};

export const KNOWN_ERROR_CODES: readonly CiErrorCode[] = Object.keys(ERROR_STATUS) as CiErrorCode[];

export interface SignatureDebug {
  readonly stringToSign: string;
  readonly formatString: string;
}

export interface CiErrorOptions {
  readonly status?: number;
  readonly signature?: SignatureDebug;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Messages quote what was wrong (a path, a value, an element name), and a client may send a
 * megabyte of it: past this length the middle of a message is cut, keeping its start and end.
 */
export const MESSAGE_LIMIT = 2000;

function clipMessage(message: string): string {
  if (message.length <= MESSAGE_LIMIT) return message;
  return `${message.slice(0, MESSAGE_LIMIT - 500)} … ${message.slice(-490)}`;
}

export class CiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly signature: SignatureDebug | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: CiErrorCode, message: string, options: CiErrorOptions = {}) {
    super(clipMessage(message));
    this.name = 'CiError';
    this.code = code;
    this.status = statusFor(code, options.status);
    this.signature = options.signature;
    this.headers = options.headers ?? {};
  }

  /** A fault injected through /_emulator/faults may use any code and status. */
  static injected(code: string, status: number, message: string): CiError {
    const error = new CiError('InternalError', message);
    Object.defineProperty(error, 'code', { value: code });
    Object.defineProperty(error, 'status', { value: status });
    return error;
  }
}

function statusFor(code: CiErrorCode, requested: number | undefined): number {
  const base = ERROR_STATUS[code];
  if (requested === undefined || requested === base) return base;
  if (ALTERNATE_STATUS[code]?.includes(requested)) return requested;
  throw new TypeError(`status ${requested} is not one the contract gives ${code}`);
}

export const invalidArgument = (message: string): CiError => new CiError('InvalidArgument', message);

export interface ErrorContext {
  readonly resource: string;
  readonly requestId: string;
  readonly traceId: string;
}

/**
 * CI's error body. Resource is the request path: the Python SDK reports code `Unknown` when it
 * is missing. A signature mismatch adds the server's StringToSign and FormatString, as COS does.
 */
export function renderErrorXml(error: CiError, context: ErrorContext): string {
  const debug = error.signature === undefined ? '' : leaf('StringToSign', error.signature.stringToSign) + leaf('FormatString', error.signature.formatString);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    leaf('Code', error.code) +
    leaf('Message', error.message) +
    leaf('Resource', context.resource) +
    leaf('RequestId', context.requestId) +
    leaf('TraceId', context.traceId) +
    debug +
    '</Error>'
  );
}
