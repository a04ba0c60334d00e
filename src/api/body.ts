import type { FastifyRequest } from 'fastify';
import { CiError } from '../errors.js';
import type { BodyNotes } from '../kinds/validate.js';
import { parseRequestBody, type XmlElement } from '../xml.js';

/** The raw body, as the pipeline read it whatever its Content-Type. */
export const bodyOf = (request: FastifyRequest): Buffer | undefined => (Buffer.isBuffer(request.body) ? request.body : undefined);

/** The `<Request>` of a create or update; an empty body is MissingContent. */
export function requestRoot(body: Buffer | undefined, what: string): XmlElement {
  if (body === undefined || body.length === 0 || body.toString('latin1').trim() === '') {
    throw new CiError('MissingContent', `The request body is empty; send a <Request> with ${what}.`);
  }
  return parseRequestBody(body);
}

/** What the default mode let through is kept for the journal and logged at warn, so a typo shows. */
export function noteBody(request: FastifyRequest, notes: BodyNotes): void {
  if (notes.ignored.length === 0 && notes.repeated.length === 0) return;
  request.ci.notes = notes;
  request.log.warn({ requestId: request.ci.requestId, ignored: notes.ignored, repeated: notes.repeated }, 'request body: unknown elements ignored, repeated ones read last-wins');
}
