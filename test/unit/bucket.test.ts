import { describe, expect, it } from 'vitest';
import { bucketFromHost, bucketRef } from '../../src/bucket.js';

const DEFAULT = bucketRef('defaultbucket-1250000000', 'ap-default');

describe('bucketRef', () => {
  it.each([
    ['examplebucket-1250000000', '1250000000'],
    ['my-bucket-2-1300000000', '1300000000'],
    ['a-1', '1'],
  ])('reads the APPID of %s', (bucketId, appId) => {
    expect(bucketRef(bucketId, 'ap-beijing')).toEqual({ id: bucketId, appId, region: 'ap-beijing' });
  });

  it.each(['examplebucket', 'examplebucket-', 'ExampleBucket-1250000000', '-1250000000', ''])(
    'keeps %j as the id with an empty APPID when it is not <name>-<appid>',
    (bucketId) => {
      expect(bucketRef(bucketId, 'ap-beijing')).toEqual({ id: bucketId, appId: '', region: 'ap-beijing' });
    },
  );
});

describe('bucketFromHost', () => {
  it.each([
    ['a .ci. host', 'examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com', 'examplebucket-1250000000', '1250000000', 'ap-guangzhou'],
    ['a .cos. host', 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com', 'examplebucket-1250000000', '1250000000', 'ap-beijing'],
    ['a .localhost host', 'examplebucket-1250000000.ci.ap-guangzhou.localhost', 'examplebucket-1250000000', '1250000000', 'ap-guangzhou'],
    ['a host with a port', 'examplebucket-1250000000.ci.ap-guangzhou.localhost:8080', 'examplebucket-1250000000', '1250000000', 'ap-guangzhou'],
    ['a myqcloud host with a port', 'examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com:443', 'examplebucket-1250000000', '1250000000', 'ap-guangzhou'],
    ['dashes in the bucket name', 'my-test-bucket-1300000000.ci.ap-shanghai.myqcloud.com', 'my-test-bucket-1300000000', '1300000000', 'ap-shanghai'],
    ['digits before the APPID', 'bucket-2024-1300000000.ci.ap-shanghai.myqcloud.com', 'bucket-2024-1300000000', '1300000000', 'ap-shanghai'],
    ['<bucket>.localhost, in the default region', 'examplebucket-1250000000.localhost:8080', 'examplebucket-1250000000', '1250000000', 'ap-default'],
    ['upper case, answered in lower case', 'ExampleBucket-1250000000.CI.AP-Guangzhou.MyQcloud.COM', 'examplebucket-1250000000', '1250000000', 'ap-guangzhou'],
  ])('reads the bucket of %s', (_what, host, id, appId, region) => {
    expect(bucketFromHost(host, DEFAULT)).toEqual({ id, appId, region });
  });

  it.each([
    ['no Host', undefined],
    ['an empty Host', ''],
    ['localhost', 'localhost'],
    ['localhost with a port', 'localhost:8080'],
    ['an IPv4 host', '127.0.0.1'],
    ['an IPv4 host with a port', '127.0.0.1:8080'],
    ['an IPv6 host', '[::1]:8080'],
    ['a bucket with no APPID', 'examplebucket.ci.ap-guangzhou.myqcloud.com'],
    ['a bucket with no name before the APPID', '1250000000.ci.ap-guangzhou.myqcloud.com'],
    ['another service', 'examplebucket-1250000000.vod.ap-guangzhou.myqcloud.com'],
    ['another domain', 'examplebucket-1250000000.ci.ap-guangzhou.example.com'],
    ['no region', 'examplebucket-1250000000.ci.myqcloud.com'],
    ['a port with no digits', 'examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com:'],
    ['a name ending in a dash', 'bucket--1250000000.ci.ap-guangzhou.myqcloud.com'],
    ['a name starting with a dash', '-bucket-1250000000.ci.ap-guangzhou.myqcloud.com'],
    ['a prefix before the bucket', 'www.examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com'],
  ])('falls back to the default bucket for %s', (_what, host) => {
    expect(bucketFromHost(host, DEFAULT)).toBe(DEFAULT);
  });
});
