import { invalidArgument } from '../errors.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { Category, DescribeFilter } from './store.js';

const CATEGORIES: readonly Category[] = ['Custom', 'Official'];
const DIGITS = /^\d{1,15}$/;
/** The largest page number DIGITS lets through. */
const MAX_PAGE_NUMBER = 999_999_999_999_999;

/**
 * The parameters of DescribeMediaTemplates. Empty `ids` and `name` mean no filter (the Python SDK
 * always sends them), unknown parameters are ignored, and bad values are InvalidArgument.
 */
export function readDescribeQuery(query: Readonly<Record<string, string>>, bucket: string, kinds: KindRegistry): DescribeFilter {
  return {
    bucket,
    tag: readTag(query['tag'], kinds),
    category: readCategory(query['category']),
    ids: readIds(query['ids']),
    namePrefix: emptyAsUnset(query['name']),
    pageNumber: readPaging('pageNumber', query['pageNumber'], 1, MAX_PAGE_NUMBER, 1),
    pageSize: readPaging('pageSize', query['pageSize'], 10, 100, 1),
  };
}

const emptyAsUnset = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

function readTag(value: string | undefined, kinds: KindRegistry): string | undefined {
  const tag = emptyAsUnset(value);
  if (tag === undefined || tag === 'All') return undefined;
  if (kinds.get(tag) === undefined) throw invalidArgument(`tag "${tag}" is not All or a template kind (${kinds.tags.join(', ')}).`);
  return tag;
}

function readCategory(value: string | undefined): Category {
  const category = emptyAsUnset(value) ?? 'Custom';
  if (!(CATEGORIES as readonly string[]).includes(category)) throw invalidArgument(`category "${category}" must be Custom or Official.`);
  return category as Category;
}

function readIds(value: string | undefined): string[] | undefined {
  const ids = (value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  return ids.length === 0 ? undefined : ids;
}

function readPaging(name: string, value: string | undefined, fallback: number, max: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!DIGITS.test(value) || number < min || number > max) {
    throw invalidArgument(`${name} must be an integer from ${min} to ${max}; got "${value}".`);
  }
  return number;
}
