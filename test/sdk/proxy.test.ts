import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/admin/journal.js';
import type { RunningEmulator } from '../../src/emulator.js';
import { errorOf, ocrBody, signedHeaders, xml } from '../helpers.js';
import { asList, newCos, sdkError, sdkOk, startQuiet } from './sdk.js';

/**
 * The emulator as an HTTP proxy: a client keeps its real CI host names and sends requests in
 * absolute form (`POST http://<bucket>.ci.<region>.myqcloud.com/template`), as
 * cos-nodejs-sdk-v5's Proxy option, the Python SDK's Proxies and HTTP_PROXY do. The bucket comes
 * from the target's authority (RFC 9112 §3.2.2), and the signature covers the path.
 */

const CI_HOST = 'demo-1250000000.ci.ap-chongqing.myqcloud.com';
const URL = `http://${CI_HOST}/template`;
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startQuiet();
});
afterAll(() => emulator.close());

/** One request written by hand, and the whole answer read back. */
function rawExchange(head: string, body = ''): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(emulator.port, '127.0.0.1', () => socket.end(head + body));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const split = received.indexOf('\r\n\r\n');
      resolve({ status: Number(received.slice(9, 12)), headers: received.slice(0, split), body: received.slice(split + 4) });
    });
  });
}

async function journal(): Promise<JournalEntry[]> {
  const response = await fetch(`${emulator.url}/_emulator/requests?limit=5`);
  return ((await response.json()) as { requests: JournalEntry[] }).requests;
}

describe("cos-nodejs-sdk-v5's Proxy option, pointed at the emulator with Protocol http:", () => {
  it('creates, describes, updates and deletes in the bucket of the real CI host name', async () => {
    const client = newCos({ Proxy: emulator.url, Protocol: 'http:' });
    const created = (await sdkOk(client, { Method: 'POST', Key: 'template', Url: URL, Body: ocrBody('proxied'), ContentType: 'application/xml' })).Response[
      'Template'
    ] as Record<string, string>;
    expect(created).toMatchObject({ Name: 'proxied', BucketId: 'demo-1250000000' });
    const id = created['TemplateId'] ?? '';

    const listed = asList((await sdkOk(client, { Method: 'GET', Key: 'template', Url: URL, Query: { ids: id } })).Response['TemplateList']);
    expect(listed).toHaveLength(1);

    const updated = (
      await sdkOk(client, { Method: 'PUT', Key: `template/${id}`, Url: `${URL}/${id}`, Body: ocrBody('proxied-2'), ContentType: 'application/xml' })
    ).Response['Template'];
    expect(updated).toMatchObject({ TemplateId: id, Name: 'proxied-2', BucketId: 'demo-1250000000' });

    expect((await sdkOk(client, { Method: 'DELETE', Key: `template/${id}`, Url: `${URL}/${id}` })).Response['TemplateId']).toBe(id);
    const [deleted] = await journal();
    expect(deleted).toMatchObject({ method: 'DELETE', path: `/template/${id}`, host: CI_HOST, bucket: 'demo-1250000000', status: 200 });
  });

  it('keeps buckets apart: the default bucket does not see the proxied template', async () => {
    const client = newCos({ Proxy: emulator.url, Protocol: 'http:' });
    await sdkOk(client, { Method: 'POST', Key: 'template', Url: URL, Body: ocrBody('only-in-demo'), ContentType: 'application/xml' });
    const direct = newCos();
    const listed = asList(
      (await sdkOk(direct, { Method: 'GET', Key: 'template', Url: `${emulator.url}/template`, Query: { name: 'only-in-demo' } })).Response['TemplateList'],
    );
    expect(listed).toHaveLength(0);
  });

  it('answers a bad signature with a CI error the SDK reads', async () => {
    const client = newCos({ Proxy: emulator.url, Protocol: 'http:', SecretKey: 'WRONGKEY' });
    const error = await sdkError(client, { Method: 'GET', Key: 'template', Url: URL });
    expect(error).toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 403 });
  });
});

describe('a raw absolute-form request', () => {
  it('with a good signature is routed and verified on its path', async () => {
    const headers = signedHeaders({ method: 'GET', path: '/template', host: CI_HOST });
    const head = `GET http://${CI_HOST}/template HTTP/1.1\r\n${Object.entries({ ...headers, connection: 'close' })
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n')}\r\n\r\n`;
    const answer = await rawExchange(head);
    expect(answer.status).toBe(200);
    expect(xml(answer.body)).toHaveProperty('Response.TotalCount');
  });

  it('with a bad signature answers 403 with the path alone in <Resource> and in the FormatString', async () => {
    const body = ocrBody('refused');
    const headers = signedHeaders({ method: 'POST', path: '/template', host: CI_HOST, body, secretKey: 'WRONGKEY' });
    const head = `POST http://${CI_HOST}/template HTTP/1.1\r\n${Object.entries({ ...headers, connection: 'close' })
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n')}\r\n\r\n`;
    const answer = await rawExchange(head, body);
    const error = errorOf({ statusCode: answer.status, body: answer.body } as Parameters<typeof errorOf>[0]);
    expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch', resource: '/template' });
    const format = (xml(answer.body) as { Error: { FormatString: string } }).Error.FormatString;
    expect(format.split('\n')[1]).toBe('/template');
    expect(format).toContain(`host=${CI_HOST}`);

    // A request refused for its signature is journalled with its body.
    const [entry] = await journal();
    expect(entry).toMatchObject({ path: '/template', host: CI_HOST, status: 403, code: 'SignatureDoesNotMatch', body, bodyTruncated: false });
  });

  it('takes its bucket from the target, not from the Host header', async () => {
    const headers = signedHeaders({ method: 'GET', path: '/template', host: CI_HOST });
    const head = `GET http://${CI_HOST}/template HTTP/1.1\r\n${Object.entries({ ...headers, host: 'localhost', connection: 'close' })
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n')}\r\n\r\n`;
    expect((await rawExchange(head)).status).toBe(200);
    expect((await journal())[0]).toMatchObject({ host: CI_HOST, bucket: 'demo-1250000000' });
  });
});

describe('CONNECT, what a client with the https scheme sends to its proxy', () => {
  it('answers a CI error that says to use http through the proxy', async () => {
    const answer = await rawExchange(`CONNECT ${CI_HOST}:443 HTTP/1.1\r\nHost: ${CI_HOST}:443\r\n\r\n`);
    expect(answer.status).toBe(405);
    expect(answer.headers).toMatch(/\r\nserver: tencent-ci\r\n/i);
    expect(answer.headers).toMatch(/\r\nallow: GET, HEAD, POST, PUT, DELETE, OPTIONS\r\n/i);
    const error = errorOf({ statusCode: answer.status, body: answer.body } as Parameters<typeof errorOf>[0]);
    expect(error).toMatchObject({ code: 'MethodNotAllowed', resource: `${CI_HOST}:443` });
    expect(error.message).toContain('plain HTTP proxy');
    expect(error.message).toContain("Protocol: 'http:'");
    expect(error.message).toContain('NO_PROXY');
  });
});
