import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

/**
 * Where job callbacks may go. A job's CallBack URL comes from whoever submits the job, and the
 * emulator then makes a request to it: by default only to this machine and private networks
 * (compose services, a test's own server), checked on the address the name resolves to, which
 * is also the address connected to (so a name cannot resolve to one address for the check and
 * another for the request). Link-local addresses, cloud metadata among them, are never reached.
 */
export class CallbackPolicy {
  readonly #anyHost: boolean;
  readonly #listed: ReadonlySet<string> | undefined;

  /** `hosts`: CIE_CALLBACK_HOSTS; undefined = the defaults, `*` = every host. */
  constructor(hosts: readonly string[] | undefined) {
    this.#anyHost = hosts?.includes('*') ?? false;
    this.#listed = hosts === undefined || this.#anyHost ? undefined : new Set(hosts.map((host) => host.toLowerCase()));
  }

  /** The address to connect to, or why the URL is refused. */
  async check(url: URL): Promise<{ readonly address: string; readonly family: 4 | 6 } | { readonly refused: string }> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { refused: `${url.protocol} is not http or https` };
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (this.#listed !== undefined && !this.#listed.has(host)) return { refused: `${host} is not in CIE_CALLBACK_HOSTS` };
    let addresses: { address: string; family: number }[];
    try {
      addresses = isIP(host) === 0 ? await lookup(host, { all: true }) : [{ address: host, family: isIP(host) }];
    } catch (error) {
      return { refused: `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    const linkLocal = addresses.find(({ address, family }) => LINK_LOCAL.check(address, family === 6 ? 'ipv6' : 'ipv4'));
    if (linkLocal !== undefined) return { refused: `${host} resolves to the link-local address ${linkLocal.address}, which callbacks never reach` };
    // An IP literal is judged by its address alone: `2001:db8::1` has no dot, but it is no single-label name.
    const byName = this.#anyHost || this.#listed !== undefined || (isIP(host) === 0 && isLocalName(host));
    const chosen = addresses.find(({ address, family }) => byName || PRIVATE.check(address, family === 6 ? 'ipv6' : 'ipv4'));
    if (chosen === undefined) {
      return {
        refused: `${host} resolves to ${addresses.map(({ address }) => address).join(', ')}, not loopback or a private network; list it in CIE_CALLBACK_HOSTS`,
      };
    }
    return { address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
  }
}

/** Single-label names (compose services), `localhost` and Docker's name for the host. */
const isLocalName = (host: string): boolean => !host.includes('.') || host === 'host.docker.internal' || host.endsWith('.localhost');

const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');
// IPv4-mapped forms of the same: ::ffff:169.254.169.254.
LINK_LOCAL.addSubnet('::ffff:169.254.0.0', 112, 'ipv6');

export interface CallbackResult {
  readonly status?: number;
  readonly error?: string;
  readonly ms: number;
}

/** How long a callback may take, whole: one attempt, no retries. */
export const CALLBACK_TIMEOUT_MS = 3000;

/** POSTs the body once to the checked address, with the URL's own Host and path; `stop` aborts it (shutdown). */
export function postOnce(url: URL, address: string, family: 4 | 6, body: string, contentType: string, stop: AbortSignal): Promise<CallbackResult> {
  const started = performance.now();
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const deadline = AbortSignal.timeout(CALLBACK_TIMEOUT_MS);
  const signal = AbortSignal.any([stop, deadline]);
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Omit<CallbackResult, 'ms'>): void => {
      if (settled) return;
      settled = true;
      resolve({ ...result, ms: Math.round(performance.now() - started) });
    };
    const request = send(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'cloud-infinite-emulator' },
        lookup: (_hostname, _options, callback) => callback(null, address, family),
        timeout: CALLBACK_TIMEOUT_MS,
        signal,
      },
      (response) => {
        response.resume();
        response.on('end', () => done({ status: response.statusCode ?? 0 }));
        response.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => done({ error: deadline.aborted ? 'ETIMEDOUT' : (error.code ?? error.message) }));
    request.end(body);
  });
}
