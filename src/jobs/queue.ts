import { createHash } from 'node:crypto';
import { invalidArgument } from '../errors.js';
import { formatCiTime } from '../ids.js';
import { defineKind, enumOf, group, str, textOf, type GroupValue } from '../kinds/schema.js';
import { leaf } from '../xml-escape.js';
import { treeXml } from './render.js';
import type { QueueSettings } from './store.js';

/**
 * Media queues. Each bucket has one, its default, Active Transcoding queue: `p` + 32 hex
 * derived from the bucket's name, so it is the same on every start and every machine.
 */
export const defaultQueueId = (bucket: string): string => `p${createHash('md5').update(`queue:${bucket}`).digest('hex')}`;

/** When the default queues were made: a fixed time, as for the official presets. */
const QUEUE_TIME = Date.UTC(2020, 0, 1) / 1000;

/** A bucket's queue before any UpdateMediaQueue: Active, with no queue callback. */
export const DEFAULT_QUEUE: QueueSettings = {
  name: 'queue-1',
  state: 'Active',
  notify: { Url: '', Event: 'TaskFinish,WorkflowFinish', Type: 'Url', State: 'Off', ResultFormat: 'XML' },
  updatedAt: QUEUE_TIME,
};

/** UpdateMediaQueue's `<Request>` (更新媒体处理队列), read like every body in the two modes. */
export const QUEUE_UPDATE = defineKind({
  tag: 'queue',
  source: 'I:媒体处理/队列接口/更新媒体处理队列; cos-go-sdk-v5 UpdateMediaProcessQueueOptions',
  fillDefaults: false,
  fields: {
    Name: str({ required: true, maxLength: 128 }),
    QueueID: str(),
    State: enumOf(['Active', 'Paused'], { required: true }),
    NotifyConfig: group({
      // The Go SDK's own test sends `test.com`: not checked as a URL.
      Url: str(),
      Type: enumOf(['Url', 'TDMQ'], { lenient: { evidence: 'sdk', reason: 'cos-go-sdk-v5 sends Kafka', accepts: ['Kafka'] } }),
      Event: str(),
      State: enumOf(['On', 'Off']),
      ResultFormat: enumOf(['XML', 'JSON']),
      MqMode: str(),
      MqRegion: str(),
      MqName: str(),
    }),
  },
  example: '',
});

/** The `<QueueList>` / `<Queue>` element's children. */
function queueFields(bucket: string, settings: QueueSettings, tzOffset: string): string {
  const created = formatCiTime(QUEUE_TIME, tzOffset);
  return (
    `${leaf('QueueId', defaultQueueId(bucket))}${leaf('Name', settings.name)}${leaf('State', settings.state)}${treeXml('NotifyConfig', settings.notify)}` +
    `<MaxSize>10000</MaxSize><MaxConcurrent>10</MaxConcurrent><UpdateTime>${formatCiTime(settings.updatedAt, tzOffset)}</UpdateTime><CreateTime>${created}</CreateTime>` +
    `${leaf('BucketId', bucket)}<Category>Transcoding</Category>`
  );
}

/** UpdateMediaQueue's answer. */
export const updatedQueue = (requestId: string, bucket: string, settings: QueueSettings, tzOffset: string): string =>
  `<Response>${leaf('RequestId', requestId)}<Queue>${queueFields(bucket, settings, tzOffset)}</Queue></Response>`;

/** What an update makes of the settings: the fields it sends replace those it does not keep. */
export function updatedSettings(data: GroupValue, now: number): QueueSettings {
  const notify = data['NotifyConfig'];
  return {
    name: textOf(data['Name']),
    // The default mode takes `paused` as well: enum values compare without regard to case.
    state: textOf(data['State']).toLowerCase() === 'paused' ? 'Paused' : 'Active',
    notify: typeof notify === 'object' && !Array.isArray(notify) ? (notify as GroupValue) : DEFAULT_QUEUE.notify,
    updatedAt: now,
  };
}

export interface QueueQuery {
  /** Asked ids; undefined = every queue. */
  readonly ids: readonly string[] | undefined;
  /** Active or Paused; undefined = both (`All`, or empty, as the Python SDK sends). */
  readonly state: 'Active' | 'Paused' | undefined;
  /** undefined = every category (`CateAll`). */
  readonly category: 'Transcoding' | 'SpeedTranscoding' | undefined;
  readonly pageNumber: number;
  readonly pageSize: number;
}

const emptyAsUnset = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/** The parameters of DescribeMediaQueues; empty values mean the defaults (the Python and JS SDKs send them empty). */
export function readQueueQuery(query: Readonly<Record<string, string>>): QueueQuery {
  const state = emptyAsUnset(query['state']);
  if (state !== undefined && !['Active', 'Paused', 'All'].includes(state)) throw invalidArgument(`state "${state}" must be Active or Paused.`);
  const category = emptyAsUnset(query['category']) ?? 'Transcoding';
  if (!['Transcoding', 'SpeedTranscoding', 'CateAll'].includes(category)) {
    throw invalidArgument(`category "${category}" must be Transcoding, SpeedTranscoding or CateAll.`);
  }
  const ids = (query['queueIds'] ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  return {
    ids: ids.length === 0 ? undefined : ids,
    state: state === 'All' ? undefined : (state as QueueQuery['state']),
    category: category === 'CateAll' ? undefined : (category as QueueQuery['category']),
    pageNumber: pagingValue('pageNumber', query['pageNumber'], 1, 1_000_000),
    pageSize: pagingValue('pageSize', query['pageSize'], 10, 100),
  };
}

function pagingValue(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1 || Number(value) > max)
    throw invalidArgument(`${name} must be an integer from 1 to ${max}; got "${value}".`);
  return Number(value);
}

/** `<Response>` of DescribeMediaQueues for a bucket, whose only queue is its default one. */
export function describeQueues(requestId: string, bucket: string, settings: QueueSettings, query: QueueQuery, tzOffset: string): string {
  const queueId = defaultQueueId(bucket);
  const matches =
    (query.ids === undefined || query.ids.includes(queueId)) &&
    (query.state === undefined || query.state === settings.state) &&
    (query.category ?? 'Transcoding') === 'Transcoding';
  const all = matches ? [queueId] : [];
  const page = all.slice((query.pageNumber - 1) * query.pageSize, query.pageNumber * query.pageSize);
  const missing = query.ids === undefined ? [] : [...new Set(query.ids)].filter((id) => id !== queueId);
  const queues = page.map(() => `<QueueList>${queueFields(bucket, settings, tzOffset)}</QueueList>`).join('');
  return (
    `<Response>${leaf('RequestId', requestId)}<TotalCount>${all.length}</TotalCount><PageNumber>${query.pageNumber}</PageNumber><PageSize>${query.pageSize}</PageSize>` +
    `${queues}${missing.map((id) => leaf('NonExistPIDs', id)).join('')}</Response>`
  );
}
