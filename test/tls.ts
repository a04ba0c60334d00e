import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Certificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's PEM, to trust it explicitly (`ca`), as NODE_EXTRA_CA_CERTS would. */
  readonly cert: string;
}

/**
 * A throwaway self-signed certificate for localhost and 127.0.0.1, made by openssl in `dir`
 * (CI installs openssl; see .ci/run). P-256 rather than RSA: it is generated in milliseconds.
 */
export function makeCertificate(dir: string, name = 'emulator'): Certificate {
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-nodes',
      '-days',
      '1',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8') };
}
