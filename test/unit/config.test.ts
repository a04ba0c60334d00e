import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ENV_NAMES,
  envName,
  flagName,
  helpText,
  parseCommandLine,
  resolveConfig,
  SETTING_KEYS,
  SETTINGS,
  type EmulatorConfig,
} from '../../src/config.js';

/** One row per setting: a good value and what it becomes, and a bad value with the reason expected. */
interface SettingCase<K extends keyof EmulatorConfig> {
  readonly key: K;
  readonly text: string;
  readonly parsed: EmulatorConfig[K];
  readonly otherText: string;
  readonly otherParsed: EmulatorConfig[K];
  readonly defaultValue: EmulatorConfig[K];
  readonly bad: readonly (readonly [text: string, reason: RegExp])[];
}

type AnySettingCase = { [K in keyof EmulatorConfig]: SettingCase<K> }[keyof EmulatorConfig];

const KEY = { secretId: 'AKIDEXAMPLE', secretKey: 'SECRETKEYEXAMPLE', appId: '1250000000' };

const CASES: readonly AnySettingCase[] = [
  {
    key: 'port',
    text: '9000',
    parsed: 9000,
    otherText: '0',
    otherParsed: 0,
    defaultValue: 8080,
    bad: [
      ['65536', /not a port/],
      ['-1', /not a port/],
      ['80a', /not a port/],
      ['', /not a port/],
    ],
  },
  {
    key: 'host',
    text: '0.0.0.0',
    parsed: '0.0.0.0',
    otherText: '::1',
    otherParsed: '::1',
    defaultValue: '127.0.0.1',
    bad: [['  ', /empty/]],
  },
  {
    key: 'db',
    text: '/tmp/x.db',
    parsed: '/tmp/x.db',
    otherText: ':memory:',
    otherParsed: ':memory:',
    defaultValue: './data/ci-emulator.db',
    bad: [['', /empty/]],
  },
  {
    key: 'keys',
    text: 'AKID1:KEY1:1250000001, AKID2:KEY2:1250000002:TOKEN2',
    parsed: [
      { secretId: 'AKID1', secretKey: 'KEY1', appId: '1250000001' },
      { secretId: 'AKID2', secretKey: 'KEY2', appId: '1250000002', token: 'TOKEN2' },
    ],
    otherText: 'AKID3:KEY3:1250000003',
    otherParsed: [{ secretId: 'AKID3', secretKey: 'KEY3', appId: '1250000003' }],
    defaultValue: [KEY],
    bad: [
      ['AKID1:KEY1', /entry 1 is not SecretId:SecretKey:APPID\[:Token\]/],
      ['AKID1:KEY1:1:T:extra', /entry 1 is not/],
      ['AKID1:KEY1:125000000x', /entry 1 has an APPID that is not a number/],
      ['AKID1::1250000000', /entry 1 has an empty SecretId or SecretKey/],
      ['AKID1:KEY1:1250000000:', /entry 1 has an empty Token/],
      ['AKID1:KEY1:1250000000,AKID1:KEY2:1250000000', /SecretId AKID1 is given twice/],
      ['AKID1:KEY1:1250000000,', /entry 2 is not/],
    ],
  },
  {
    key: 'auth',
    text: 'off',
    parsed: 'off',
    otherText: 'strict',
    otherParsed: 'strict',
    defaultValue: 'strict',
    bad: [
      ['none', /"none" is not one of strict, off/],
      ['STRICT', /not one of/],
    ],
  },
  {
    key: 'strict',
    text: 'true',
    parsed: true,
    otherText: 'false',
    otherParsed: false,
    defaultValue: false,
    bad: [
      ['yes', /"yes" is not true or false/],
      ['', /is not true or false/],
    ],
  },
  {
    key: 'defaultBucket',
    text: 'mybucket-1250000001',
    parsed: 'mybucket-1250000001',
    otherText: 'b-1',
    otherParsed: 'b-1',
    defaultValue: 'examplebucket-1250000000',
    bad: [
      ['mybucket', /not a bucket like examplebucket-1250000000/],
      ['My_Bucket-1', /not a bucket/],
    ],
  },
  {
    key: 'region',
    text: 'ap-beijing',
    parsed: 'ap-beijing',
    otherText: 'ap-shanghai',
    otherParsed: 'ap-shanghai',
    defaultValue: 'ap-guangzhou',
    bad: [['', /empty/]],
  },
  {
    key: 'tzOffset',
    text: '+00:00',
    parsed: '+0000',
    otherText: '-0530',
    otherParsed: '-0530',
    defaultValue: '+0800',
    bad: [
      ['0800', /not an offset like \+0800/],
      ['+1500', /not an offset/],
      ['+0860', /not an offset/],
    ],
  },
  {
    key: 'seed',
    text: 'fixtures/seed',
    parsed: 'fixtures/seed',
    otherText: '/seeds',
    otherParsed: '/seeds',
    defaultValue: undefined,
    bad: [['', /empty/]],
  },
  {
    key: 'adminToken',
    text: 's3cret',
    parsed: 's3cret',
    otherText: 'other',
    otherParsed: 'other',
    defaultValue: undefined,
    bad: [['', /empty/]],
  },
  {
    key: 'corsOrigins',
    text: 'http://localhost:5173, https://app.example.com',
    parsed: ['http://localhost:5173', 'https://app.example.com'],
    otherText: 'http://a.test,*',
    otherParsed: ['*'],
    defaultValue: ['*'],
    bad: [
      ['localhost:5173', /not an origin/],
      [' , ', /lists no origin/],
      ['http://a.test/path', /not an origin/],
    ],
  },
  {
    key: 'adminOrigins',
    text: 'http://localhost:5173, https://App.Example.com:443',
    parsed: ['http://localhost:5173', 'https://app.example.com'],
    otherText: 'http://127.0.0.1:9000',
    otherParsed: ['http://127.0.0.1:9000'],
    defaultValue: [],
    bad: [
      ['*', /"\*" is not allowed: name each origin/],
      ['http://a.test,*', /"\*" is not allowed/],
      ['localhost:5173', /not an origin/],
      [' , ', /lists no origin/],
      ['http://a.test/path', /not an origin/],
    ],
  },
  {
    key: 'allowedHosts',
    text: 'ci.internal.example, Emulator.Test',
    parsed: ['ci.internal.example', 'emulator.test'],
    otherText: 'my_host',
    otherParsed: ['my_host'],
    defaultValue: [],
    bad: [
      ['ci.example:8080', /has a port: give the host name alone/],
      ['http://x', /not a host name/],
      [' , ', /lists no host name/],
      ['a..b', /not a host name/],
      ['*.example', /not a host name/],
    ],
  },
  {
    key: 'logLevel',
    text: 'debug',
    parsed: 'debug',
    otherText: 'silent',
    otherParsed: 'silent',
    defaultValue: 'info',
    bad: [['verbose', /"verbose" is not one of fatal, error, warn, info, debug, trace, silent/]],
  },
  {
    key: 'journalSize',
    text: '50',
    parsed: 50,
    otherText: '0',
    otherParsed: 0,
    defaultValue: 1000,
    bad: [
      ['100001', /not a journal size/],
      ['ten', /not a journal size/],
    ],
  },
  // The TLS pair is checked together: each case below sets the other half too.
  {
    key: 'tlsCert',
    text: '/certs/cert.pem',
    parsed: '/certs/cert.pem',
    otherText: 'c.pem',
    otherParsed: 'c.pem',
    defaultValue: undefined,
    bad: [['', /empty/]],
  },
  {
    key: 'jobDurationMs',
    text: '1000',
    parsed: 1000,
    otherText: 'manual',
    otherParsed: 'manual',
    defaultValue: 200,
    bad: [
      ['3600001', /not a duration in milliseconds, or manual/],
      ['-1', /not a duration/],
      ['Manual', /not a duration/],
      ['', /not a duration/],
    ],
  },
  {
    key: 'callbackHosts',
    text: 'Hooks.Example, 10.0.0.7',
    parsed: ['hooks.example', '10.0.0.7'],
    otherText: 'a,*',
    otherParsed: ['*'],
    defaultValue: undefined,
    bad: [
      ['a b', /"a b" is not a host name or an IP address/],
      [' , ', /lists no host/],
      ['http://x', /not a host name/],
    ],
  },
  {
    key: 'tlsKey',
    text: '/certs/key.pem',
    parsed: '/certs/key.pem',
    otherText: 'k.pem',
    otherParsed: 'k.pem',
    defaultValue: undefined,
    bad: [['', /empty/]],
  },
];

/** What a case needs besides itself to be valid: the other half of the TLS pair. */
const companions = (key: keyof EmulatorConfig): Record<string, string> =>
  key === 'tlsCert' ? { CIE_TLS_KEY: '/k.pem' } : key === 'tlsKey' ? { CIE_TLS_CERT: '/c.pem' } : {};

function configOf(argv: readonly string[], env: NodeJS.ProcessEnv): EmulatorConfig {
  const parsed = parseCommandLine(argv, env);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.config;
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError was thrown');
}

describe('the settings table', () => {
  it('has a case here for every setting, so a new one cannot go untested', () => {
    expect(CASES.map((row) => row.key).sort()).toEqual([...SETTING_KEYS].sort());
  });

  it('derives each variable and flag from the name (CIE_DEFAULT_BUCKET ↔ --default-bucket)', () => {
    expect(envName('defaultBucket')).toBe('CIE_DEFAULT_BUCKET');
    expect(flagName('defaultBucket')).toBe('default-bucket');
    expect(ENV_NAMES).toEqual([
      'CIE_PORT',
      'CIE_HOST',
      'CIE_DB',
      'CIE_KEYS',
      'CIE_AUTH',
      'CIE_STRICT',
      'CIE_DEFAULT_BUCKET',
      'CIE_REGION',
      'CIE_TZ_OFFSET',
      'CIE_SEED',
      'CIE_ADMIN_TOKEN',
      'CIE_CORS_ORIGINS',
      'CIE_ADMIN_ORIGINS',
      'CIE_ALLOWED_HOSTS',
      'CIE_LOG_LEVEL',
      'CIE_JOURNAL_SIZE',
      'CIE_TLS_CERT',
      'CIE_TLS_KEY',
      'CIE_JOB_DURATION_MS',
      'CIE_CALLBACK_HOSTS',
    ]);
  });
});

/** Settings whose flag takes a value; a switch (`--strict`) is tested on its own below. */
const VALUED = CASES.filter((row) => SETTINGS[row.key].switch !== true);

describe('a switch: --strict', () => {
  it('is on when given alone, and keeps CIE_STRICT otherwise', () => {
    expect(configOf(['--strict'], {}).strict).toBe(true);
    expect(configOf(['--strict'], { CIE_STRICT: 'false' }).strict).toBe(true);
    expect(configOf([], { CIE_STRICT: 'true' }).strict).toBe(true);
    expect(configOf([], { CIE_STRICT: '1' }).strict).toBe(true);
    expect(configOf([], { CIE_STRICT: 'FALSE' }).strict).toBe(false);
  });

  it('takes no value', () => {
    expect(configErrorOf(() => parseCommandLine(['--strict=true'], {})).message).toMatch(/--strict.*does not take an argument/);
  });

  it.each(CASES.filter((row) => row.key === 'strict').flatMap((row) => row.bad))('refuses CIE_STRICT="%s"', (text, reason) => {
    expect(configErrorOf(() => parseCommandLine([], { CIE_STRICT: text })).message).toMatch(reason);
  });

  it('has the default false', () => {
    expect(configOf([], {}).strict).toBe(false);
  });
});

describe.each(VALUED)('$key', (row) => {
  const env = envName(row.key);
  const flag = `--${flagName(row.key)}`;

  it('has the contract default when neither the flag nor the variable is set', () => {
    expect(configOf([], {})[row.key]).toEqual(row.defaultValue);
  });

  it(`is read from ${env}`, () => {
    expect(configOf([], { ...companions(row.key), [env]: row.text })[row.key]).toEqual(row.parsed);
  });

  it(`is read from ${flag}, as "${flag} value" and "${flag}=value"`, () => {
    expect(configOf([flag, row.text], companions(row.key))[row.key]).toEqual(row.parsed);
    expect(configOf([`${flag}=${row.text}`], companions(row.key))[row.key]).toEqual(row.parsed);
  });

  it(`takes ${flag} over ${env}`, () => {
    expect(configOf([`${flag}=${row.otherText}`], { ...companions(row.key), [env]: row.text })[row.key]).toEqual(row.otherParsed);
  });

  it(`does not even parse ${env} when ${flag} is given`, () => {
    const [badText] = row.bad[0]!;
    expect(configOf([flag, row.text], { ...companions(row.key), [env]: badText })[row.key]).toEqual(row.parsed);
  });

  it.each(row.bad)(`refuses ${env}="%s", naming the variable and the reason`, (text, reason) => {
    const error = configErrorOf(() => parseCommandLine([], { ...companions(row.key), [env]: text }));
    expect(error.message).toMatch(new RegExp(`^${env} \\(environment\\): `));
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain('\n');
  });

  it(`refuses a bad ${flag}, naming the flag too`, () => {
    const [text, reason] = row.bad[0]!;
    const error = configErrorOf(() => parseCommandLine([flag, text], companions(row.key)));
    expect(error.message).toMatch(new RegExp(`^${env} \\(${flag}\\): `));
    expect(error.message).toMatch(reason);
  });
});

describe('the command line', () => {
  it('answers help for --help and -h, even when a value is bad', () => {
    expect(parseCommandLine(['--help'], {})).toEqual({ help: true });
    expect(parseCommandLine(['-h'], { CIE_PORT: 'not a port' })).toEqual({ help: true });
  });

  it('refuses an unknown flag and a positional argument, pointing at --help', () => {
    expect(configErrorOf(() => parseCommandLine(['--prot', '9000'], {})).message).toMatch(/Unknown option '--prot'.*--help/);
    expect(configErrorOf(() => parseCommandLine(['9000'], {})).message).toMatch(/Unexpected argument '9000'.*--help/);
    expect(configErrorOf(() => parseCommandLine(['--port'], {})).message).toMatch(/--port.*argument missing.*--help/);
  });

  it('explains, on one line, how to pass a value that starts with a dash', () => {
    const message = configErrorOf(() => parseCommandLine(['--tz-offset', '-0530'], {})).message;
    expect(message).toMatch(/argument is ambiguous.*use '--tz-offset=-XYZ'/);
    expect(message).not.toContain('\n');
    expect(configOf(['--tz-offset=-0530'], {}).tzOffset).toBe('-0530');
  });

  it('needs both halves of the TLS pair', () => {
    expect(configErrorOf(() => parseCommandLine(['--tls-cert', 'c.pem'], {})).message).toBe(
      'CIE_TLS_KEY: HTTPS needs both CIE_TLS_CERT and CIE_TLS_KEY; CIE_TLS_KEY is not set',
    );
    expect(configErrorOf(() => parseCommandLine([], { CIE_TLS_KEY: 'k.pem' })).message).toMatch(/^CIE_TLS_CERT: /);
  });

  it('takes flags, variables and defaults together, each setting from its own source', () => {
    const config = configOf(['--port', '9100', '--auth', 'off'], { CIE_PORT: '9200', CIE_REGION: 'ap-beijing', CIE_AUTH: 'strict' });
    expect(config).toMatchObject({ port: 9100, auth: 'off', region: 'ap-beijing', defaultBucket: 'examplebucket-1250000000' });
  });

  it('lists the CIE_* variables that no setting reads (typos), and ignores other variables', () => {
    const parsed = parseCommandLine([], { CIE_PROT: '9000', CIE_PORT: '9000', PORT: '1', CIE_SEEDS: 'x' });
    expect(parsed).toMatchObject({ help: false, unknownVariables: ['CIE_PROT', 'CIE_SEEDS'] });
  });
});

describe('the help text', () => {
  const help = helpText();

  it.each(SETTING_KEYS)('lists %s with its flag, its variable and its default', (key) => {
    const line = help.split('\n').find((text) => text.trimStart().startsWith(`--${flagName(key)} `));
    expect(line).toBeDefined();
    expect(line).toContain(envName(key));
    const row = CASES.find((setting) => setting.key === key)!;
    const unset = row.defaultValue === undefined || (Array.isArray(row.defaultValue) && row.defaultValue.length === 0);
    const shownDefault = unset
      ? 'none'
      : key === 'keys'
        ? 'AKIDEXAMPLE:SECRETKEYEXAMPLE:1250000000'
        : Array.isArray(row.defaultValue)
          ? row.defaultValue.join(',')
          : `${row.defaultValue as string | number | boolean}`;
    expect(line).toContain(`(default: ${shownDefault})`);
  });
});

describe('typed options (startEmulator)', () => {
  it('fills the defaults and keeps what is given', () => {
    expect(resolveConfig({ port: 0, db: ':memory:' })).toMatchObject({ port: 0, db: ':memory:', auth: 'strict', keys: [KEY] });
  });

  it('ignores options given as undefined, as if left out', () => {
    expect(resolveConfig({ region: undefined } as unknown as Partial<EmulatorConfig>).region).toBe('ap-guangzhou');
  });

  it.each([
    [{ port: 70000 }, /^CIE_PORT: 70000 is not a port/],
    [{ port: 1.5 }, /^CIE_PORT: /],
    [{ keys: [] }, /^CIE_KEYS: no key is configured/],
    [{ defaultBucket: 'nobucket' }, /^CIE_DEFAULT_BUCKET: /],
    [{ tzOffset: '+08:00' }, /^CIE_TZ_OFFSET: /],
    [{ auth: 'lax' as EmulatorConfig['auth'] }, /^CIE_AUTH: "lax" is not one of strict, off/],
    [{ strict: 'yes' as unknown as boolean }, /^CIE_STRICT: yes is not true or false/],
    [{ callbackHosts: [] }, /^CIE_CALLBACK_HOSTS: .*the list is empty/],
    [{ callbackHosts: ['http://x'] }, /^CIE_CALLBACK_HOSTS: "http:\/\/x" is not a host name/],
    [{ logLevel: 'loud' as EmulatorConfig['logLevel'] }, /^CIE_LOG_LEVEL: /],
    [{ tlsCert: 'c.pem' }, /^CIE_TLS_KEY: /],
    [{ adminOrigins: ['*'] }, /^CIE_ADMIN_ORIGINS: "\*" is not an origin/],
    [{ adminOrigins: ['localhost:5173'] }, /^CIE_ADMIN_ORIGINS: /],
    [{ allowedHosts: ['a b'] }, /^CIE_ALLOWED_HOSTS: "a b" is not a host name/],
  ] as const)('refuses %j', (overrides, message) => {
    expect(configErrorOf(() => resolveConfig(overrides as Partial<EmulatorConfig>)).message).toMatch(message);
  });
});

describe('the README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it.each(ENV_NAMES)('documents %s with its flag in the configuration table', (name) => {
    const key = SETTING_KEYS.find((setting) => envName(setting) === name)!;
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\``));
    expect(row, `no table row for ${name}`).toBeDefined();
    expect(row).toContain(`\`--${flagName(key)}\``);
  });
});
