import { describe, expect, it } from 'vitest';
import { CallbackPolicy } from '../../src/jobs/callback.js';

/** Where job callbacks may go, judged on IP literals only (no name is resolved here). */

const verdict = async (policy: CallbackPolicy, url: string): Promise<string> => {
  const checked = await policy.check(new URL(url));
  return 'refused' in checked ? 'refused' : `${checked.address}/${checked.family}`;
};

describe('the default policy', () => {
  const policy = new CallbackPolicy(undefined);

  it.each([
    ['http://127.0.0.1:9000/cb', '127.0.0.1/4'],
    ['http://10.1.2.3/cb', '10.1.2.3/4'],
    ['http://172.16.0.9/cb', '172.16.0.9/4'],
    ['http://192.168.1.20/cb', '192.168.1.20/4'],
    ['http://[::1]:9000/cb', '::1/6'],
    ['http://[fd12:3456::1]/cb', 'fd12:3456::1/6'],
    ['http://[::ffff:127.0.0.1]/cb', '::ffff:7f00:1/6'],
  ])('reaches %s, loopback or a private network', async (url, expected) => {
    expect(await verdict(policy, url)).toBe(expected);
  });

  it.each([
    'http://8.8.8.8/cb',
    'http://172.32.0.1/cb',
    'http://0.0.0.0:9000/cb',
    // IPv6 literals have no dot, yet they are addresses, not single-label names.
    'http://[2001:4860:4860::8888]/cb',
    'http://[::]:9000/cb',
    'http://[64:ff9b::a9fe:a9fe]/cb',
    'http://169.254.169.254/latest/meta-data',
    'http://[fe80::1]/cb',
  ])('refuses %s', async (url) => {
    expect(await verdict(policy, url)).toBe('refused');
  });
});

describe('CIE_CALLBACK_HOSTS', () => {
  it('* reaches public addresses, but never link-local ones, in any spelling', async () => {
    const policy = new CallbackPolicy(['*']);
    expect(await verdict(policy, 'http://8.8.8.8/cb')).toBe('8.8.8.8/4');
    expect(await verdict(policy, 'http://[2001:4860:4860::8888]/cb')).toBe('2001:4860:4860::8888/6');
    for (const url of [
      'http://169.254.169.254/',
      'http://2852039166/',
      'http://0xa9.0xfe.0xa9.0xfe/',
      'http://[::ffff:169.254.169.254]/',
      'http://[fe80::1]/',
    ]) {
      expect(await verdict(policy, url), url).toBe('refused');
    }
  });

  it('a list reaches the hosts it names, and only them', async () => {
    const policy = new CallbackPolicy(['8.8.8.8', '2001:4860:4860::8888']);
    expect(await verdict(policy, 'http://8.8.8.8/cb')).toBe('8.8.8.8/4');
    expect(await verdict(policy, 'http://[2001:4860:4860::8888]/cb')).toBe('2001:4860:4860::8888/6');
    expect(await verdict(policy, 'http://127.0.0.1/cb')).toBe('refused');
    expect(await policy.check(new URL('http://127.0.0.1/cb'))).toEqual({ refused: '127.0.0.1 is not in CIE_CALLBACK_HOSTS' });
  });
});
