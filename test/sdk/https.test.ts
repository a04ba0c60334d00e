import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import type { RunningEmulator } from '../../src/emulator.js';
import { ocrBody } from '../helpers.js';
import { makeCertificate, type Certificate } from '../tls.js';
import { asList, newCos, sdkError, sdkOk, startQuiet } from './sdk.js';

/**
 * CIE_TLS_CERT and CIE_TLS_KEY: HTTPS, so SDK code that keeps its default `https:` works.
 * cos-nodejs-sdk-v5 passes its StrictSsl option to the request library as strictSSL
 * (sdk/base.js, submitRequest): StrictSsl: false accepts the self-signed certificate.
 */

const dir = mkdtempSync(join(tmpdir(), 'cie-https-'));
let certificate: Certificate;
let emulator: RunningEmulator;

beforeAll(async () => {
  certificate = makeCertificate(dir);
  emulator = await startQuiet({ tlsCert: certificate.certFile, tlsKey: certificate.keyFile });
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

const CI_HOST = 'examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com';

describe('HTTPS with cos-nodejs-sdk-v5', () => {
  it('answers on an https:// URL', () => {
    expect(emulator.url).toBe(`https://127.0.0.1:${emulator.port}`);
  });

  it("creates and describes with the SDK's default https: protocol and StrictSsl: false (Url style)", async () => {
    const cos = newCos({ Protocol: 'https:', StrictSsl: false });
    const created = await sdkOk(cos, {
      Method: 'POST',
      Key: 'template',
      Url: `${emulator.url}/template`,
      Body: ocrBody('over-tls'),
      ContentType: 'application/xml',
    });
    expect(created.statusCode).toBe(200);
    const listed = await sdkOk(cos, { Method: 'GET', Key: 'template', Url: `${emulator.url}/template`, Query: { name: 'over-tls' } });
    expect(asList<Record<string, string>>(listed.Response['TemplateList'] as Record<string, string>)).toEqual([expect.objectContaining({ Name: 'over-tls' })]);
  });

  it('signs for the real CI host and sends to the emulator with the Ip option', async () => {
    const cos = newCos({ Protocol: 'https:', StrictSsl: false, Ip: `127.0.0.1:${emulator.port}` });
    const created = await sdkOk(cos, {
      Method: 'POST',
      Key: 'template',
      Url: `https://${CI_HOST}/template`,
      Body: ocrBody('over-tls-ip'),
      ContentType: 'application/xml',
    });
    expect((created.Response['Template'] as Record<string, string>)['BucketId']).toBe('examplebucket-1250000000');
  });

  it("is refused by the SDK's default StrictSsl: true, since the certificate is self-signed", async () => {
    const error = await sdkError(newCos({ Protocol: 'https:' }), { Method: 'GET', Key: 'template', Url: `${emulator.url}/template` });
    expect(`${error.code} ${error.message}`).toMatch(/SELF_SIGNED|self[- ]signed/i);
  });

  it('serves a certificate valid for 127.0.0.1: trusting it (as NODE_EXTRA_CA_CERTS does) verifies fully', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      httpsGet(`${emulator.url}/_emulator/health`, { ca: certificate.cert }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on('error', reject);
    });
    expect(status).toBe(200);
  });
});

describe('TLS settings that cannot work stop start-up with a ConfigError', () => {
  it('a file that is not PEM', async () => {
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'not a certificate');
    const failure = startQuiet({ tlsCert: notPem, tlsKey: certificate.keyFile });
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/^CIE_TLS_CERT, CIE_TLS_KEY: .*not\.pem .* are not a PEM certificate and its private key/);
  });

  it("a key that is not the certificate's", async () => {
    const other = makeCertificate(dir, 'other');
    await expect(startQuiet({ tlsCert: certificate.certFile, tlsKey: other.keyFile })).rejects.toThrow(/^CIE_TLS_CERT, CIE_TLS_KEY: /);
  });

  it('only one of the two', async () => {
    await expect(startQuiet({ tlsCert: certificate.certFile })).rejects.toThrow(/^CIE_TLS_KEY: HTTPS needs both/);
  });
});
