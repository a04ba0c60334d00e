import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newTemplateId } from '../ids.js';
import type { KindRegistry } from '../kinds/registry.js';
import { queryRecord } from '../request-context.js';
import { readDescribeQuery } from './describe-query.js';
import { describeOfficial } from './official.js';
import { TemplateRenderer } from './render.js';
import type { TemplateContent, TemplateStore } from './store.js';
import { readTemplateBody, type ReadOptions, type TemplateRequest } from './validate.js';

export interface TemplateRoutesOptions {
  readonly kinds: KindRegistry;
  readonly store: TemplateStore;
  readonly tzOffset: string;
  /** CIE_STRICT: read bodies to the letter of the docs. */
  readonly strict: boolean;
  /** Unix seconds. */
  readonly now: () => number;
}

/** The API paths and the methods each one takes, for 405 answers and the `Allow` header. */
export const API_ROUTES: readonly { readonly pattern: RegExp; readonly methods: readonly string[] }[] = [
  { pattern: /^\/template$/, methods: ['GET', 'HEAD', 'POST'] },
  { pattern: /^\/template\/[^/]+$/, methods: ['PUT', 'DELETE'] },
];

// A doc example of an update sends <TemplateId> inside <Request>; it is read and ignored.
const API_ELEMENTS = ['TemplateId'];

const contentOf = (template: TemplateRequest): TemplateContent => ({ tag: template.tag, name: template.name, data: template.data });

const body = (request: FastifyRequest): Buffer | undefined => (Buffer.isBuffer(request.body) ? request.body : undefined);

const sendXml = (reply: FastifyReply, xml: string): FastifyReply => reply.type('application/xml').send(xml);

export function registerTemplateRoutes(app: FastifyInstance, { kinds, store, tzOffset, strict, now }: TemplateRoutesOptions): void {
  const render = new TemplateRenderer(kinds, tzOffset);
  const options: ReadOptions = { strict, extraElements: API_ELEMENTS };

  /** Reads the body; what the default mode let through is noted for the journal and logged. */
  const readBody = (request: FastifyRequest): TemplateRequest => {
    const { template, notes } = readTemplateBody(body(request), kinds, options);
    if (notes.ignored.length > 0 || notes.repeated.length > 0) {
      request.ci.notes = notes;
      request.log.warn({ requestId: request.ci.requestId, ignored: notes.ignored, repeated: notes.repeated }, 'request body: unknown elements ignored, repeated ones read last-wins');
    }
    return template;
  };

  app.post('/template', async (request, reply) => {
    const template = readBody(request);
    const stored = await store.create(request.ci.bucket.id, newTemplateId(), contentOf(template), now());
    return sendXml(reply, render.template(request.ci.requestId, stored));
  });

  app.get('/template', async (request, reply) => {
    const filter = readDescribeQuery(queryRecord(request.ci), request.ci.bucket.id, kinds);
    const page = filter.category === 'Official' ? describeOfficial(filter, kinds) : store.describe(filter);
    return sendXml(reply, render.describe(request.ci.requestId, page, filter));
  });

  app.put<{ Params: { id: string } }>('/template/:id', async (request, reply) => {
    const template = readBody(request);
    const stored = await store.update(request.ci.bucket.id, request.params.id, contentOf(template), now());
    return sendXml(reply, render.template(request.ci.requestId, stored));
  });

  // The body is ignored whatever its Content-Type: browsers send text/plain with DELETE.
  app.delete<{ Params: { id: string } }>('/template/:id', async (request, reply) => {
    await store.remove(request.ci.bucket.id, request.params.id);
    return sendXml(reply, render.deleted(request.ci.requestId, request.params.id));
  });
}
