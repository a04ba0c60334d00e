import { Agent, request as httpRequest } from 'node:http';
import { signedHeaders, type SignedCall } from '../helpers.js';

/** Signed requests over real HTTP connections, as an SDK would send them. */

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface HttpCall extends Omit<SignedCall, 'path'> {
  readonly path: string;
  /** Extra headers sent after signing (they are not signed). */
  readonly unsignedHeaders?: Readonly<Record<string, string>>;
}

/** One connection per request unless an agent says otherwise: every request is in flight at once. */
export const unpooled = new Agent({ keepAlive: false, maxSockets: Infinity });

const encodeQuery = (query: Readonly<Record<string, string>>): string =>
  Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');

export function send(port: number, call: HttpCall, agent: Agent = unpooled): Promise<HttpAnswer> {
  const headers = call.unsigned ? { host: call.host ?? 'localhost:80', ...call.headers } : signedHeaders(call);
  const query = call.query === undefined || Object.keys(call.query).length === 0 ? '' : `?${encodeQuery(call.query)}`;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, method: call.method, path: call.path + query, headers: { ...headers, ...call.unsignedHeaders }, agent },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') }));
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(call.body);
  });
}

export const codeOf = (answer: HttpAnswer): string | undefined => /<Code>([^<]*)<\/Code>/.exec(answer.body)?.[1];
export const templateIdOf = (answer: HttpAnswer): string | undefined => /<TemplateId>([^<]*)<\/TemplateId>/.exec(answer.body)?.[1];

export const ocrCreate = (name: string, host?: string): HttpCall => ({
  method: 'POST',
  path: '/template',
  body: `<Request><Tag>ImageOCR</Tag><Name>${name}</Name><ImageOCR><Type>general</Type></ImageOCR></Request>`,
  ...(host === undefined ? {} : { host }),
});

/** Every template of a bucket, paging through describe 100 at a time: id → Name. */
export async function listAll(port: number, host?: string): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (let pageNumber = 1; ; pageNumber++) {
    const answer = await send(port, {
      method: 'GET',
      path: '/template',
      query: { pageNumber: String(pageNumber), pageSize: '100' },
      ...(host === undefined ? {} : { host }),
    });
    if (answer.status !== 200) throw new Error(`describe answered ${answer.status}: ${answer.body}`);
    const templates = [...answer.body.matchAll(/<TemplateList>.*?<Name>([^<]*)<\/Name><TemplateId>([^<]*)<\/TemplateId>.*?<\/TemplateList>/g)];
    for (const match of templates) all.set(match[2] ?? '', match[1] ?? '');
    if (templates.length < 100) return all;
  }
}
