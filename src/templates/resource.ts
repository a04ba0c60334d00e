import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bodyOf, noteBody } from '../api/body.js';
import type { ApiResource, ApiServices } from '../api/resource.js';
import { CiError } from '../errors.js';
import { newTemplateId } from '../ids.js';
import { queryRecord } from '../request-context.js';
import { readDescribeQuery } from './describe-query.js';
import { describeOfficial } from './official.js';
import { TemplateRenderer } from './render.js';
import { TEMPLATE_MIGRATIONS } from './schema.js';
import type { CreateOutcome, StoredTemplate, TemplateContent, UpdateOutcome } from './store.js';
import { readTemplateBody, type ReadOptions, type TemplateRequest } from './validate.js';

/** CreateMediaTemplate, DescribeMediaTemplates, UpdateMediaTemplate and DeleteMediaTemplate. */
export const templates: ApiResource = {
  paths: [
    { pattern: /^\/template$/, methods: ['GET', 'HEAD', 'POST'], shown: '/template' },
    { pattern: /^\/template\/[^/]+$/, methods: ['PUT', 'DELETE'], shown: '/template/<TemplateId>' },
  ],
  migrations: TEMPLATE_MIGRATIONS,
  open: (services) => ({
    routes: (api) => registerTemplateRoutes(api, services),
    // A reset brings the seeds back.
    reset: async (bucket) => {
      const { removed, seeded } = await services.storage.templates.reset(bucket, services.seeds.records, services.now());
      return { templates: removed, seeded };
    },
  }),
};

// A doc example of an update sends <TemplateId> inside <Request>; it is read and ignored.
const API_ELEMENTS = ['TemplateId'];

const contentOf = (template: TemplateRequest): TemplateContent => ({ tag: template.tag, name: template.name, data: template.data });

const sendXml = (reply: FastifyReply, xml: string): FastifyReply => reply.type('application/xml').send(xml);

const notFound = (id: string): CiError => new CiError('TemplateNotFound', `The template ${id} does not exist in this bucket.`);

const duplicateName = (content: TemplateContent): CiError =>
  new CiError('TemplateNameDuplicate', `A ${content.tag} template named "${content.name}" already exists in this bucket.`);

/** What the client hears of a create: the template, or why not. */
function created(outcome: CreateOutcome, id: string, content: TemplateContent): StoredTemplate {
  switch (outcome.outcome) {
    case 'created':
      return outcome.template;
    case 'duplicateName':
      throw duplicateName(content);
    case 'idTaken':
      // A fresh random id that a seed already holds: 2^-128, but an answer all the same.
      throw new CiError('InvalidArgument', `TemplateId ${id} is already used in this bucket.`);
  }
}

function updated(outcome: UpdateOutcome, id: string, content: TemplateContent): StoredTemplate {
  switch (outcome.outcome) {
    case 'updated':
      return outcome.template;
    case 'notFound':
      throw notFound(id);
    case 'duplicateName':
      throw duplicateName(content);
    case 'otherTag':
      throw new CiError('InvalidArgument', `Tag cannot change: template ${id} is a ${outcome.storedTag} template, the body says ${content.tag}.`);
  }
}

function registerTemplateRoutes(app: FastifyInstance, { config, kinds, storage, now }: ApiServices): void {
  const store = storage.templates;
  const render = new TemplateRenderer(kinds, config.tzOffset);
  const options: ReadOptions = { strict: config.strict, extraElements: API_ELEMENTS };

  const readBody = (request: FastifyRequest): TemplateContent => {
    const { template, notes } = readTemplateBody(bodyOf(request), kinds, options);
    noteBody(request, notes);
    return contentOf(template);
  };

  app.post('/template', async (request, reply) => {
    const content = readBody(request);
    const id = newTemplateId();
    const template = created(await store.create(request.ci.bucket.id, id, content, now()), id, content);
    return sendXml(reply, render.template(request.ci.requestId, template));
  });

  app.get('/template', async (request, reply) => {
    const filter = readDescribeQuery(queryRecord(request.ci), request.ci.bucket.id, kinds);
    const page = filter.category === 'Official' ? describeOfficial(filter, kinds) : store.describe(filter);
    return sendXml(reply, render.describe(request.ci.requestId, page, filter));
  });

  app.put<{ Params: { id: string } }>('/template/:id', async (request, reply) => {
    const content = readBody(request);
    const { id } = request.params;
    const template = updated(await store.update(request.ci.bucket.id, id, content, now()), id, content);
    return sendXml(reply, render.template(request.ci.requestId, template));
  });

  // The body is ignored whatever its Content-Type: browsers send text/plain with DELETE.
  app.delete<{ Params: { id: string } }>('/template/:id', async (request, reply) => {
    const { id } = request.params;
    if ((await store.remove(request.ci.bucket.id, id)).outcome === 'notFound') throw notFound(id);
    return sendXml(reply, render.deleted(request.ci.requestId, id));
  });
}
