import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange } from '../fuzz/wire.js';
import { signedHeaders, testServer } from '../helpers.js';

const body = (name: string): string => `<Request><Tag>ImageOCR</Tag><Name>${name}</Name><ImageOCR><Type>general</Type></ImageOCR></Request>`;

/** A request head written by hand, with `requestLine` as its first line. */
function head(requestLine: string, content: string): string {
  const headers = signedHeaders({ method: 'POST', path: '/template', body: content });
  return `${requestLine}\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n')}\r\nConnection: close\r\n\r\n${content}`;
}

describe('the request line', () => {
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = await testServer();
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app.close();
  });

  const count = async (): Promise<string | undefined> =>
    /<TotalCount>(\d+)<\/TotalCount>/.exec(
      (await app.inject({ method: 'GET', url: '/template', headers: signedHeaders({ method: 'GET', path: '/template' }) })).body,
    )?.[1];

  it.each([
    ['without a version (one space lost: Node reads HTTP/0.9)', 'POST /template?HTTP/1.1'],
    ['without a version or a query', 'POST /template'],
  ])('%s is refused 400 InvalidRequest, and nothing is stored', async (_what, requestLine) => {
    const before = await count();
    const { responses } = await exchange(port, { head: head(requestLine, body('from-http-0-9')) });
    expect(responses[0]?.status).toBe(400);
    const answer = responses[0]?.body.toString('utf8') ?? '';
    expect(answer).toContain('<Code>InvalidRequest</Code>');
    expect(answer).toContain('HTTP/0.9 is not served');
    expect(await count()).toBe(before);
  });

  it('with HTTP/1.1 creates, as the control', async () => {
    const before = Number(await count());
    const { responses } = await exchange(port, { head: head('POST /template HTTP/1.1', body('from-http-1-1')) });
    expect(responses[0]?.status).toBe(200);
    expect(Number(await count())).toBe(before + 1);
  });
});
