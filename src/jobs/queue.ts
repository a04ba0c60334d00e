import { createHash } from 'node:crypto';
import { invalidArgument } from '../errors.js';
import { formatCiTime } from '../ids.js';
import { leaf } from '../xml-escape.js';

/**
 * Media queues. Each bucket has one, its default, Active Transcoding queue: `p` + 32 hex
 * derived from the bucket's name, so it is the same on every start and every machine.
 */
export const defaultQueueId = (bucket: string): string => `p${createHash('md5').update(`queue:${bucket}`).digest('hex')}`;

/** When the default queues were made: a fixed time, as for the official presets. */
const QUEUE_TIME = Date.UTC(2020, 0, 1) / 1000;

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
  const ids = (query['queueIds'] ?? '').split(',').map((id) => id.trim()).filter((id) => id !== '');
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
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1 || Number(value) > max) throw invalidArgument(`${name} must be an integer from 1 to ${max}; got "${value}".`);
  return Number(value);
}

/** `<Response>` of DescribeMediaQueues for a bucket, whose only queue is its default one. */
export function describeQueues(requestId: string, bucket: string, query: QueueQuery, tzOffset: string): string {
  const queueId = defaultQueueId(bucket);
  const matches =
    (query.ids === undefined || query.ids.includes(queueId)) && (query.state === undefined || query.state === 'Active') && (query.category ?? 'Transcoding') === 'Transcoding';
  const all = matches ? [queueId] : [];
  const page = all.slice((query.pageNumber - 1) * query.pageSize, query.pageNumber * query.pageSize);
  const missing = query.ids === undefined ? [] : [...new Set(query.ids)].filter((id) => id !== queueId);
  const created = formatCiTime(QUEUE_TIME, tzOffset);
  const queues = page
    .map(
      (id) =>
        `<QueueList>${leaf('QueueId', id)}<Name>queue-1</Name><State>Active</State>` +
        '<NotifyConfig><Url></Url><Event>TaskFinish,WorkflowFinish</Event><Type>Url</Type><State>Off</State><ResultFormat>XML</ResultFormat></NotifyConfig>' +
        `<MaxSize>10000</MaxSize><MaxConcurrent>10</MaxConcurrent><UpdateTime>${created}</UpdateTime><CreateTime>${created}</CreateTime>` +
        `${leaf('BucketId', bucket)}<Category>Transcoding</Category></QueueList>`,
    )
    .join('');
  return (
    `<Response>${leaf('RequestId', requestId)}<TotalCount>${all.length}</TotalCount><PageNumber>${query.pageNumber}</PageNumber><PageSize>${query.pageSize}</PageSize>` +
    `${queues}${missing.map((id) => leaf('NonExistPIDs', id)).join('')}</Response>`
  );
}
