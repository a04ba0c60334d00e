import process from 'node:process';
import Fastify from 'fastify';

/**
 * The ceiling of the benchmark: bare Fastify answering the fixed create response of the doc's
 * example, with no signature check, no validation and no storage. Every emulator case is
 * reported as a ratio to this, measured in the same run. Plain JavaScript, so that it starts as
 * `node bench/ceiling-server.js`, without a TypeScript loader: `npm run bench:startup` compares
 * the emulator's start-up with this one's.
 */
const CREATE_RESPONSE =
  '<Response><RequestId>NTk0MjdmODlfMjQ4OGY3XzYzYzhf****</RequestId><Template><Tag>ImageOCR</Tag><Name>TemplateName</Name>' +
  '<TemplateId>t1460606b9752148c4ab182f55163ba7cd</TemplateId><CreateTime>2020-08-05T11:35:24+0800</CreateTime>' +
  '<UpdateTime>2020-08-31T16:15:20+0800</UpdateTime><BucketId>test-1234567890</BucketId><Category>Custom</Category>' +
  '<ImageOCR><Type>general</Type><LanguageType>zh</LanguageType><IsPdf>true</IsPdf><PdfPageNumber>2</PdfPageNumber>' +
  '<IsWord>true</IsWord><EnableWordPolygon>false</EnableWordPolygon></ImageOCR></Template></Response>';

const app = Fastify({ logger: false });
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/template', async (_request, reply) => reply.type('application/xml').send(CREATE_RESPONSE));
app.get('/_emulator/health', async () => ({ status: 'ready' }));

const port = Number(process.env['PORT'] ?? 0);
await app.listen({ port, host: '127.0.0.1' });
