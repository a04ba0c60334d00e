import type { FastifyRequest } from 'fastify';
import { CiError } from '../errors.js';
import type { BodyNotes } from '../kinds/validate.js';
import { parseRequestBody, type XmlElement } from '../xml.js';

/** The raw body, as the pipeline read it whatever its Content-Type. */
export const bodyOf = (request: FastifyRequest): Buffer | undefined => (Buffer.isBuffer(request.body) ? request.body : undefined);

/**
 * Whether the bytes are all white space as String.prototype.trim sees them in a Latin-1 reading
 * (tab to carriage return, space, no-break space). A byte test, stopping at the first other
 * byte: decoding a hostile 1 MiB body to trim it cost 2.5 ms (docs/performance.md).
 */
export function isBlank(body: Buffer): boolean {
  for (const byte of body) {
    if (byte !== 0x20 && (byte < 0x09 || byte > 0x0d) && byte !== 0xa0) return false;
  }
  return true;
}

/** The `<Request>` of a create or update; an empty body is MissingContent. */
export function requestRoot(body: Buffer | undefined, what: string): XmlElement {
  if (body === undefined || isBlank(body)) {
    throw new CiError('MissingContent', `The request body is empty; send a <Request> with ${what}.`);
  }
  return parseRequestBody(body);
}

/** What the default mode let through is kept for the journal and logged at warn, so a typo shows. */
export function noteBody(request: FastifyRequest, notes: BodyNotes): void {
  if (notes.ignored.length === 0 && notes.repeated.length === 0) return;
  request.ci.notes = notes;
  request.log.warn(
    { requestId: request.ci.requestId, ignored: notes.ignored, repeated: notes.repeated },
    'request body: unknown elements ignored, repeated ones read last-wins',
  );
}
