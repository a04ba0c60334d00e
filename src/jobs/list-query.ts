import { invalidArgument } from '../errors.js';
import { JOB_STATES, type JobFilter, type JobState } from './store.js';

const emptyAsUnset = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/** `2001-01-01T00:00:00+0800`, the docs' form (the offset may carry a colon). */
const CI_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2}):?(\d{2})$/;

function readTime(name: string, value: string | undefined): number | undefined {
  const text = emptyAsUnset(value);
  if (text === undefined) return undefined;
  const match = CI_TIME.exec(text);
  const ms = match === null ? NaN : Date.parse(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}${match[7]}${match[8]}:${match[9]}`);
  if (Number.isNaN(ms)) throw invalidArgument(`${name} must be a time like 2001-01-01T00:00:00+0800; got "${text}".`);
  return ms;
}

/**
 * The parameters of DescribeMediaJobs. Empty values mean the defaults (the Python SDK always
 * sends `orderByTime=Desc&states=All&size=10&nextToken=`), `states=All` means every state, and
 * unknown parameters are ignored. The docs mark `tag` required; outside strict mode a list
 * without one has every Tag.
 */
export function readJobListQuery(query: Readonly<Record<string, string>>, bucket: string, tags: readonly string[], strict: boolean): JobFilter {
  const tag = emptyAsUnset(query['tag']);
  if (tag === undefined && strict) throw invalidArgument('tag is required (strict mode).');
  if (tag !== undefined && !tags.includes(tag)) throw invalidArgument(`tag "${tag}" is not a media job Tag; use one of ${tags.join(', ')}.`);
  const order = emptyAsUnset(query['orderByTime']) ?? 'Desc';
  if (order !== 'Desc' && order !== 'Asc') throw invalidArgument(`orderByTime must be Desc or Asc; got "${order}".`);
  const size = emptyAsUnset(query['size']) ?? '10';
  if (!/^\d{1,3}$/.test(size) || Number(size) < 1 || Number(size) > 100) throw invalidArgument(`size must be an integer from 1 to 100; got "${size}".`);
  const token = emptyAsUnset(query['nextToken']);
  if (token !== undefined && !/^\d{1,15}$/.test(token))
    throw invalidArgument(`nextToken "${token}" is not one this emulator gave; send the previous answer's NextToken.`);
  return {
    bucket,
    tag,
    queueId: emptyAsUnset(query['queueId']),
    states: readStates(query['states']),
    inputObject: emptyAsUnset(query['inputObject']),
    createdAfter: readTime('startCreationTime', query['startCreationTime']),
    createdBefore: readTime('endCreationTime', query['endCreationTime']),
    // The emulator runs no workflows or batch jobs: no job was made by one.
    matchesNothing: emptyAsUnset(query['workflowId']) !== undefined || emptyAsUnset(query['inventoryTriggerJobId']) !== undefined,
    newestFirst: order === 'Desc',
    after: token === undefined ? undefined : Number(token),
    size: Number(size),
  };
}

function readStates(value: string | undefined): readonly JobState[] | undefined {
  const states = (value ?? '')
    .split(',')
    .map((state) => state.trim())
    .filter((state) => state !== '');
  if (states.length === 0 || states.includes('All')) return undefined;
  const unknown = states.filter((state) => !(JOB_STATES as readonly string[]).includes(state));
  if (unknown.length > 0) throw invalidArgument(`states may list All, ${JOB_STATES.join(', ')}; got "${unknown.join(', ')}".`);
  return states as JobState[];
}
