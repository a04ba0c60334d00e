import { BUCKET_ID } from './config.js';

export interface BucketRef {
  /** `examplebucket-1250000000`, the BucketId of answers. */
  readonly id: string;
  readonly appId: string;
  /** `ap-guangzhou`: from the Host, or CIE_REGION for the default bucket. */
  readonly region: string;
}

// <bucket>-<appid>.(ci|cos).<region>.(myqcloud.com|localhost)[:port], or <bucket>-<appid>.localhost[:port]
// (what an SDK builds from an endpoint of `localhost:8080`; browsers resolve every *.localhost).
const BUCKET_HOST = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?-(\d+))\.(?:(?:ci|cos)\.([a-z0-9-]+)\.(?:myqcloud\.com|localhost)|localhost)(?::\d+)?$/;

export function bucketRef(bucketId: string, region: string): BucketRef {
  const match = BUCKET_ID.exec(bucketId);
  return { id: bucketId, appId: match?.[1] ?? '', region };
}

/** The bucket a request addresses: from a CI-style Host, else the default bucket. */
export function bucketFromHost(host: string | undefined, defaultBucket: BucketRef): BucketRef {
  if (host === undefined) return defaultBucket;
  const match = BUCKET_HOST.exec(host.toLowerCase());
  if (match === null) return defaultBucket;
  return { id: match[1] ?? defaultBucket.id, appId: match[2] ?? defaultBucket.appId, region: match[3] ?? defaultBucket.region };
}
