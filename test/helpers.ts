import { XMLParser } from 'fast-xml-parser';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { resolveConfig, type EmulatorConfig } from '../src/config.js';
import { buildServer, type ServerDeps } from '../src/server.js';
import { signRequest } from '../src/signature.js';

export const SECRET_ID = 'AKIDEXAMPLE';
export const SECRET_KEY = 'SECRETKEYEXAMPLE';
export const APPID = '1250000000';
export const DEFAULT_BUCKET = `examplebucket-${APPID}`;
export const BUCKET_HOST = `${DEFAULT_BUCKET}.ci.ap-guangzhou.myqcloud.com`;

/** The doc's example request (create-ocr-template.txt). */
export const OCR_EXAMPLE =
  '<Request>\n<Tag>ImageOCR</Tag>\n<Name>TemplateName</Name>\n<ImageOCR>\n<Type>general</Type>\n<LanguageType>zh</LanguageType>\n' +
  '<IsPdf>true</IsPdf>\n<PdfPageNumber>2</PdfPageNumber>\n<IsWord>true</IsWord>\n</ImageOCR>\n</Request>';

export const ocrBody = (name: string, fields = '<Type>general</Type>'): string =>
  `<Request><Tag>ImageOCR</Tag><Name>${name}</Name><ImageOCR>${fields}</ImageOCR></Request>`;

export function testConfig(overrides: Partial<EmulatorConfig> = {}): EmulatorConfig {
  return resolveConfig({ db: ':memory:', logLevel: 'silent', port: 0, ...overrides });
}

export async function testServer(overrides: Partial<EmulatorConfig> = {}, deps: ServerDeps = {}): Promise<FastifyInstance> {
  const app = await buildServer(testConfig(overrides), deps);
  await app.ready();
  return app;
}

export interface SignedCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'PATCH' | 'OPTIONS';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  readonly host?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly secretId?: string;
  readonly secretKey?: string;
  /** Unix seconds of the signature's start. */
  readonly signedAt?: number;
  readonly expires?: number;
  /** q-key-time, when it should differ from the sign time (the SDKs send the same window). */
  readonly keyTime?: string;
  /** Skip signing altogether. */
  readonly unsigned?: boolean;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const encodeQuery = (query: Readonly<Record<string, string>>): string =>
  Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');

/** Signs like cos-nodejs-sdk-v5: host, content-type and content-length when there is a body. */
export function signedHeaders(call: SignedCall): Record<string, string> {
  const host = call.host ?? 'localhost:80';
  const signed: Record<string, string> = { host };
  if (call.body !== undefined) {
    signed['content-type'] = call.headers?.['content-type'] ?? 'application/xml';
    signed['content-length'] = String(Buffer.byteLength(call.body));
  }
  const authorization = signRequest({
    method: call.method,
    path: decodeURIComponent(call.path),
    query: call.query ?? {},
    headers: signed,
    secretId: call.secretId ?? SECRET_ID,
    secretKey: call.secretKey ?? SECRET_KEY,
    start: call.signedAt ?? nowSeconds() - 1,
    ...(call.expires === undefined ? {} : { expires: call.expires }),
    ...(call.keyTime === undefined ? {} : { keyTime: call.keyTime }),
  });
  return { ...signed, ...call.headers, authorization };
}

export async function call(app: FastifyInstance, request: SignedCall): Promise<LightMyRequestResponse> {
  const query = request.query === undefined || Object.keys(request.query).length === 0 ? '' : `?${encodeQuery(request.query)}`;
  const headers = request.unsigned ? { host: request.host ?? 'localhost:80', ...request.headers } : signedHeaders(request);
  return app.inject({
    method: request.method,
    url: request.path + query,
    headers,
    ...(request.body === undefined ? {} : { payload: request.body }),
  });
}

/** Parsed XML as the SDKs see it: text leaves, nested objects, arrays for repeated elements. */
export type XmlTree = string | { readonly [name: string]: XmlTree } | readonly XmlTree[];

export interface TemplateXml {
  readonly Tag: string;
  readonly Name: string;
  readonly TemplateId: string;
  readonly CreateTime: string;
  readonly UpdateTime: string;
  readonly BucketId: string;
  readonly Category: string;
  readonly [container: string]: XmlTree;
}

export interface DescribeXml {
  readonly RequestId: string;
  readonly TotalCount: string;
  readonly PageNumber: string;
  readonly PageSize: string;
  readonly TemplateList: readonly TemplateXml[];
  readonly NonExistTIDs?: { readonly TemplateId: readonly string[] };
}

const ALWAYS_LISTS = new Set(['Response.TemplateList', 'Response.NonExistTIDs.TemplateId']);
const xmlParser = new XMLParser({
  parseTagValue: false,
  trimValues: false,
  ignoreAttributes: true,
  isArray: (_name, jpath) => ALWAYS_LISTS.has(String(jpath)),
});

/** Parses an answer; every API answer must be XML. */
export function xml(body: string): { readonly [name: string]: XmlTree } {
  return xmlParser.parse(body) as { readonly [name: string]: XmlTree };
}

export function templateOf(body: string): TemplateXml & { readonly RequestId: string } {
  const response = (xmlParser.parse(body) as { Response?: { RequestId: string; Template: TemplateXml } }).Response;
  if (response?.Template === undefined) throw new Error(`not a <Response><Template> body: ${body}`);
  return { ...response.Template, RequestId: response.RequestId };
}

export function describeOf(body: string): DescribeXml {
  const response = (xmlParser.parse(body) as { Response?: Partial<DescribeXml> }).Response;
  if (response?.TotalCount === undefined) throw new Error(`not a describe body: ${body}`);
  return { ...response, TemplateList: response.TemplateList ?? [] } as DescribeXml;
}

export function errorOf(response: LightMyRequestResponse): { status: number; code: string; message: string; resource: string; requestId: string } {
  const parsed = xmlParser.parse(response.body) as { Error?: { Code: string; Message: string; Resource: string; RequestId: string } };
  if (parsed.Error === undefined) throw new Error(`not an <Error> body: ${response.statusCode} ${response.body}`);
  return {
    status: response.statusCode,
    code: parsed.Error.Code,
    message: parsed.Error.Message,
    resource: parsed.Error.Resource,
    requestId: parsed.Error.RequestId,
  };
}

export async function createOcr(app: FastifyInstance, name: string, extra: Partial<SignedCall> = {}): Promise<TemplateXml> {
  const response = await call(app, { method: 'POST', path: '/template', body: ocrBody(name), ...extra });
  if (response.statusCode !== 200) throw new Error(`create ${name} failed: ${response.body}`);
  return templateOf(response.body);
}
