import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import type { Credential } from './signature.js';

/**
 * Every setting is declared once below: its environment variable (`CIE_DEFAULT_BUCKET`), its
 * flag (`--default-bucket`), its default and its parser. A flag wins over the environment,
 * which wins over the default; a bad value stops start-up with a message naming the variable.
 */

export type AuthMode = 'strict' | 'off';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface EmulatorConfig {
  readonly port: number;
  readonly host: string;
  readonly db: string;
  readonly keys: readonly Credential[];
  readonly auth: AuthMode;
  /** Keep the docs to the letter: refuse unknown and repeated elements, enum case, and broken rules between fields. */
  readonly strict: boolean;
  readonly defaultBucket: string;
  readonly region: string;
  /** `+0800` */
  readonly tzOffset: string;
  readonly seed: string | undefined;
  readonly adminToken: string | undefined;
  /** `['*']` allows every origin. */
  readonly corsOrigins: readonly string[];
  /** Origins whose pages may call `/_emulator/*` (CORS and the origin rule); none by default. */
  readonly adminOrigins: readonly string[];
  /** Host names `/_emulator/*` answers besides the built-in ones (localhost, IP literals, …); lower case. */
  readonly allowedHosts: readonly string[];
  readonly logLevel: LogLevel;
  readonly journalSize: number;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /** How long a job lives, Submitted then Running; `manual`: until a test moves it. */
  readonly jobDurationMs: number | 'manual';
  /** Hosts job callbacks may reach; undefined = loopback, private networks and local names; `['*']` = any. */
  readonly callbackHosts: readonly string[] | undefined;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface Setting<T> {
  readonly defaultText: string | undefined;
  readonly help: string;
  readonly parse: (text: string) => T;
  /** A flag that takes no value (`--strict`); its variable still takes true or false. */
  readonly switch?: true;
  /** The value when the setting is not given and has no default text (a list: empty). */
  readonly unset?: T;
}

type Settings = { readonly [K in keyof EmulatorConfig]-?: Setting<EmulatorConfig[K]> };

/** Thrown by parsers; the caller adds the variable's name. */
class BadValue extends Error {}

export const BUCKET_ID = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-(\d+)$/;
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const ORIGIN = /^https?:\/\/[^\s/?#,]+$/;
// Admin origins are normalised as browsers write them (scheme and host in lower case), so any case is taken.
const ADMIN_ORIGIN = new RegExp(ORIGIN.source, 'i');

function parseIntIn(min: number, max: number, what: string): (text: string) => number {
  return (text) => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new BadValue(`"${text}" is not ${what} (an integer from ${min} to ${max})`);
    }
    return Number(text);
  };
}

function oneOf<T extends string>(values: readonly T[]): (text: string) => T {
  return (text) => {
    if (!(values as readonly string[]).includes(text)) throw new BadValue(`"${text}" is not one of ${values.join(', ')}`);
    return text as T;
  };
}

const nonEmpty = (text: string): string => {
  if (text.trim() === '') throw new BadValue('it is empty');
  return text;
};

export function parseKeys(text: string): Credential[] {
  const keys: Credential[] = [];
  for (const [index, entry] of text.split(',').entries()) {
    const parts = entry.trim().split(':');
    const [secretId = '', secretKey = '', appId = '', token] = parts;
    const where = `entry ${index + 1}`;
    if (parts.length < 3 || parts.length > 4) throw new BadValue(`${where} is not SecretId:SecretKey:APPID[:Token]`);
    if (!/^\S+$/.test(secretId) || !/^\S+$/.test(secretKey)) throw new BadValue(`${where} has an empty SecretId or SecretKey`);
    if (!/^\d+$/.test(appId)) throw new BadValue(`${where} has an APPID that is not a number`);
    if (token !== undefined && !/^\S+$/.test(token)) throw new BadValue(`${where} has an empty Token`);
    if (keys.some((key) => key.secretId === secretId)) throw new BadValue(`SecretId ${secretId} is given twice`);
    keys.push(token === undefined ? { secretId, secretKey, appId } : { secretId, secretKey, appId, token });
  }
  return keys;
}

export function parseTzOffset(text: string): string {
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!match || Number(match[2]) > 14 || Number(match[3]) > 59) throw new BadValue(`"${text}" is not an offset like +0800`);
  return `${match[1]}${match[2]}${match[3]}`;
}

function parseOrigins(text: string): string[] {
  const origins = splitList(text, 'origin');
  for (const origin of origins) {
    if (origin !== '*' && !ORIGIN.test(origin)) throw new BadValue(`"${origin}" is not an origin like http://localhost:5173`);
  }
  return origins.includes('*') ? ['*'] : origins;
}

function parseJobDuration(text: string): number | 'manual' {
  if (text === 'manual') return 'manual';
  return parseIntIn(0, 3_600_000, 'a duration in milliseconds, or manual')(text);
}

/** Host names or IP literals, or `*` for every host. */
function parseHosts(text: string): string[] {
  const hosts = splitList(text, 'host').map((host) => host.toLowerCase().replace(/^\[|\]$/g, ''));
  for (const host of hosts) {
    if (host !== '*' && !HOST_NAME.test(host) && isIP(host) === 0) throw new BadValue(`"${host}" is not a host name or an IP address`);
  }
  return hosts.includes('*') ? ['*'] : hosts;
}

/**
 * Origins as a browser sends them in `Origin`: scheme, lower-case host, no default port. `*` is
 * refused: the admin API can empty the store, so each page that may call it is named.
 */
function parseAdminOrigins(text: string): string[] {
  return splitList(text, 'origin').map((origin) => {
    if (origin === '*') throw new BadValue('"*" is not allowed: name each origin whose pages may call /_emulator/, like http://localhost:5173');
    const normalized = ADMIN_ORIGIN.test(origin) ? normalizeOrigin(origin) : undefined;
    if (normalized === undefined) throw new BadValue(`"${origin}" is not an origin like http://localhost:5173`);
    return normalized;
  });
}

/** `http://LocalHost:80` → `http://localhost`, as browsers write it; undefined for what is no origin. */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const { origin: normalized } = new URL(origin);
    return normalized === 'null' ? undefined : normalized;
  } catch {
    return undefined;
  }
}

// A DNS name: labels of letters, digits, `-` and `_` (compose service names may have one).
export const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Host names without a port, compared case-insensitively: `ci.internal.example`. */
function parseAllowedHosts(text: string): string[] {
  return splitList(text, 'host name').map((entry) => {
    const host = entry.toLowerCase();
    if (/:\d+$/.test(host)) throw new BadValue(`"${entry}" has a port: give the host name alone (any port is allowed)`);
    if (!HOST_NAME.test(host)) throw new BadValue(`"${entry}" is not a host name like ci-emulator.internal.example`);
    return host;
  });
}

function splitList(text: string, noun: string): string[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new BadValue(`it lists no ${noun}`);
  return items;
}

function parseBucket(text: string): string {
  if (!BUCKET_ID.test(text)) throw new BadValue(`"${text}" is not a bucket like examplebucket-1250000000`);
  return text;
}

const optional = (text: string): string | undefined => nonEmpty(text);

function parseBoolean(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new BadValue(`"${text}" is not true or false`);
}

export const SETTINGS: Settings = {
  port: { defaultText: '8080', help: 'port to listen on; 0 picks a free one', parse: parseIntIn(0, 65535, 'a port') },
  host: { defaultText: '127.0.0.1', help: 'address to bind (0.0.0.0 in the container)', parse: nonEmpty },
  db: { defaultText: './data/ci-emulator.db', help: 'SQLite file, or :memory:', parse: nonEmpty },
  keys: {
    defaultText: 'AKIDEXAMPLE:SECRETKEYEXAMPLE:1250000000',
    help: 'comma list of SecretId:SecretKey:APPID[:Token]',
    parse: parseKeys,
  },
  auth: { defaultText: 'strict', help: 'strict verifies every signature; off only records the verdict', parse: oneOf<AuthMode>(['strict', 'off']) },
  strict: {
    defaultText: 'false',
    help: 'refuse what the docs forbid to the letter: unknown or repeated elements, enum case, rules between fields',
    parse: parseBoolean,
    switch: true,
  },
  defaultBucket: { defaultText: 'examplebucket-1250000000', help: 'bucket for hosts that name none (127.0.0.1, localhost)', parse: parseBucket },
  region: { defaultText: 'ap-guangzhou', help: 'region reported for the default bucket', parse: nonEmpty },
  tzOffset: { defaultText: '+0800', help: 'offset of CreateTime and UpdateTime', parse: parseTzOffset },
  seed: { defaultText: undefined, help: 'folder of template XML files loaded at start and after every reset', parse: optional },
  adminToken: { defaultText: undefined, help: 'Bearer token that /_emulator/* (but health) requires', parse: optional },
  corsOrigins: { defaultText: '*', help: 'comma list of origins allowed by CORS', parse: parseOrigins },
  adminOrigins: { defaultText: undefined, help: 'comma list of origins whose pages may call /_emulator/ (no *)', parse: parseAdminOrigins, unset: [] },
  allowedHosts: {
    defaultText: undefined,
    help: 'comma list of extra Host names /_emulator/ answers (DNS-rebinding check)',
    parse: parseAllowedHosts,
    unset: [],
  },
  logLevel: { defaultText: 'info', help: LOG_LEVELS.join(' | '), parse: oneOf(LOG_LEVELS) },
  journalSize: { defaultText: '1000', help: 'entries kept in the request journal', parse: parseIntIn(0, 100_000, 'a journal size') },
  tlsCert: { defaultText: undefined, help: 'PEM certificate; with --tls-key, serve HTTPS', parse: optional },
  tlsKey: { defaultText: undefined, help: 'PEM private key; with --tls-cert, serve HTTPS', parse: optional },
  jobDurationMs: {
    defaultText: '200',
    help: 'how long a job lives (ms): Submitted for half, Running for half; manual: until /_emulator/jobs moves it',
    parse: parseJobDuration,
  },
  callbackHosts: {
    defaultText: undefined,
    help: 'hosts job callbacks may reach (default: loopback, private networks, single-label names); * = any',
    parse: parseHosts,
  },
};

export const SETTING_KEYS = Object.keys(SETTINGS) as (keyof EmulatorConfig)[];

/** The mode as the start-up line, health and the dashboard name it. */
export const modeName = (strict: boolean): 'strict' | 'default' => (strict ? 'strict' : 'default');

/** Where a client on this machine reaches an emulator bound to `host`: a wildcard bind on loopback. */
export const reachableHost = (host: string): string => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

export const envName = (key: keyof EmulatorConfig): string => `CIE_${key.replace(/[A-Z]/g, (ch) => `_${ch}`).toUpperCase()}`;
export const flagName = (key: keyof EmulatorConfig): string => key.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);

/** Every environment variable the emulator reads. */
export const ENV_NAMES: readonly string[] = SETTING_KEYS.map(envName);

function parseSetting<K extends keyof EmulatorConfig>(key: K, text: string | undefined, from: string): EmulatorConfig[K] {
  const setting = SETTINGS[key] as Setting<EmulatorConfig[K]>;
  if (text === undefined) {
    return setting.defaultText === undefined ? (setting.unset as EmulatorConfig[K]) : setting.parse(setting.defaultText);
  }
  try {
    return setting.parse(text);
  } catch (error) {
    if (error instanceof BadValue) throw new ConfigError(`${envName(key)} (${from}): ${error.message}`);
    throw error;
  }
}

function checkTls(config: EmulatorConfig): void {
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    const missing = config.tlsCert === undefined ? 'CIE_TLS_CERT' : 'CIE_TLS_KEY';
    throw new ConfigError(`${missing}: HTTPS needs both CIE_TLS_CERT and CIE_TLS_KEY; ${missing} is not set`);
  }
}

/** What the command line asked for: the help text, or a run with this configuration. */
export type ParsedCommandLine =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly config: EmulatorConfig;
      /** `CIE_*` variables of the environment that no setting reads: most likely typos, worth a warning. */
      readonly unknownVariables: readonly string[];
    };

/**
 * Reads the command line and the environment; throws ConfigError for any bad value or unknown
 * flag. `--help` wins over everything else, so it works even when a value is bad.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommandLine {
  const options = Object.fromEntries(SETTING_KEYS.map((key) => [flagName(key), { type: SETTINGS[key].switch ? ('boolean' as const) : ('string' as const) }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (error) {
    // One line, but all of it: for `--tz-offset -0530` Node's last sentence is the fix (`--tz-offset=-0530`).
    const reason = error instanceof Error ? error.message.trim().replace(/\s*\n\s*/g, ' ') : '';
    throw new ConfigError(`${reason === '' ? 'bad arguments' : reason}; run with --help to list the options`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values['help'] === true) return { help: true };
  const entries = SETTING_KEYS.map((key) => {
    const flag = values[flagName(key)];
    if (typeof flag === 'string') return [key, parseSetting(key, flag, `--${flagName(key)}`)];
    if (flag === true) return [key, parseSetting(key, 'true', `--${flagName(key)}`)];
    return [key, parseSetting(key, env[envName(key)], 'environment')];
  });
  const config = Object.fromEntries(entries) as EmulatorConfig;
  checkTls(config);
  const unknownVariables = Object.keys(env)
    .filter((name) => name.startsWith('CIE_') && !ENV_NAMES.includes(name))
    .sort();
  return { help: false, config, unknownVariables };
}

/** The defaults of the contract, with typed overrides (for startEmulator and tests). */
export function resolveConfig(overrides: Partial<EmulatorConfig> = {}): EmulatorConfig {
  const defaults = Object.fromEntries(SETTING_KEYS.map((key) => [key, parseSetting(key, undefined, 'default')])) as unknown as EmulatorConfig;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const config = { ...defaults, ...defined };
  checkTypedConfig(config);
  return config;
}

function checkTypedConfig(config: EmulatorConfig): void {
  const check = <K extends keyof EmulatorConfig>(key: K, ok: boolean, what: string): void => {
    if (!ok) throw new ConfigError(`${envName(key)}: ${what}`);
  };
  check('port', Number.isInteger(config.port) && config.port >= 0 && config.port <= 65535, `${config.port} is not a port (0 to 65535)`);
  check('keys', config.keys.length > 0, 'no key is configured');
  check('defaultBucket', BUCKET_ID.test(config.defaultBucket), `"${config.defaultBucket}" is not a bucket like examplebucket-1250000000`);
  check('journalSize', Number.isInteger(config.journalSize) && config.journalSize >= 0, `${config.journalSize} is not a journal size`);
  check(
    'jobDurationMs',
    config.jobDurationMs === 'manual' || (Number.isInteger(config.jobDurationMs) && config.jobDurationMs >= 0 && config.jobDurationMs <= 3_600_000),
    `${String(config.jobDurationMs)} is not a duration in milliseconds (0 to 3600000) or manual`,
  );
  check('tzOffset', /^[+-]\d{4}$/.test(config.tzOffset), `"${config.tzOffset}" is not an offset like +0800`);
  // Callers from plain JavaScript get no type check: the enums are checked here too.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the types hold for TypeScript callers only
  check('auth', config.auth === 'strict' || config.auth === 'off', `"${String(config.auth)}" is not one of strict, off`);
  check('strict', typeof config.strict === 'boolean', `${String(config.strict)} is not true or false`);
  check('logLevel', LOG_LEVELS.includes(config.logLevel), `"${String(config.logLevel)}" is not one of ${LOG_LEVELS.join(', ')}`);
  check('corsOrigins', config.corsOrigins.length > 0, 'it lists no origin');
  const badCallbackHost = config.callbackHosts?.find((host) => host !== '*' && !HOST_NAME.test(host) && isIP(host) === 0);
  check(
    'callbackHosts',
    config.callbackHosts === undefined || (config.callbackHosts.length > 0 && badCallbackHost === undefined),
    `"${String(badCallbackHost ?? '')}" is not a host name or an IP address (or the list is empty)`,
  );
  const badOrigin = config.adminOrigins.find((origin) => !ADMIN_ORIGIN.test(origin) || normalizeOrigin(origin) === undefined);
  check('adminOrigins', badOrigin === undefined, `"${badOrigin}" is not an origin like http://localhost:5173 (and * is not allowed)`);
  const badHost = config.allowedHosts.find((host) => !HOST_NAME.test(host.toLowerCase()));
  check('allowedHosts', badHost === undefined, `"${badHost}" is not a host name like ci-emulator.internal.example`);
  checkTls(config);
}

export function helpText(): string {
  const rows = SETTING_KEYS.map((key) => {
    const setting = SETTINGS[key];
    const flag = `--${flagName(key)}`.padEnd(18);
    const env = envName(key).padEnd(20);
    return `  ${flag} ${env} ${setting.help} (default: ${setting.defaultText ?? 'none'})`;
  });
  return [
    "cloud-infinite-emulator: a local emulator of Tencent Cloud Infinite's /template API",
    '',
    'Usage: cloud-infinite-emulator [options]',
    '',
    'Every option is also an environment variable; a flag wins over the environment.',
    '',
    ...rows,
    '  --help, -h                              show this help',
  ].join('\n');
}
