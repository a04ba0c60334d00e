import { formatCiTime } from '../ids.js';
import type { KindRegistry } from '../kinds/registry.js';
import { renderKindData, renderUnknownKindData } from '../kinds/render.js';
import { escapeXml, leaf } from '../xml-escape.js';
import type { DescribePage, StoredTemplate } from './store.js';

/**
 * The answers of the four operations, written as template strings: they are small, fixed in
 * shape, and this is the hot path of every request.
 */

/** The children of `<Template>` (and of each `<TemplateList>`), in the order of the doc's example. */
export function renderTemplateBody(template: StoredTemplate, kinds: KindRegistry, tzOffset: string): string {
  const kind = kinds.get(template.tag);
  const data = kind === undefined ? renderUnknownKindData(template.data) : renderKindData(kind, template.data);
  return (
    leaf('Tag', template.tag) +
    leaf('Name', template.name) +
    leaf('TemplateId', template.id) +
    `<CreateTime>${formatCiTime(template.createdAt, tzOffset)}</CreateTime>` +
    `<UpdateTime>${formatCiTime(template.updatedAt, tzOffset)}</UpdateTime>` +
    leaf('BucketId', template.bucket) +
    `<Category>${template.category}</Category>` +
    data
  );
}

export function renderTemplateResponse(requestId: string, template: StoredTemplate, kinds: KindRegistry, tzOffset: string): string {
  return `<Response><RequestId>${escapeXml(requestId)}</RequestId><Template>${renderTemplateBody(template, kinds, tzOffset)}</Template></Response>`;
}

export function renderDescribeResponse(
  requestId: string,
  page: DescribePage,
  paging: { readonly pageNumber: number; readonly pageSize: number },
  kinds: KindRegistry,
  tzOffset: string,
): string {
  let xml =
    `<Response><RequestId>${escapeXml(requestId)}</RequestId>` +
    `<TotalCount>${page.totalCount}</TotalCount><PageNumber>${paging.pageNumber}</PageNumber><PageSize>${paging.pageSize}</PageSize>`;
  for (const template of page.templates) {
    xml += `<TemplateList>${renderTemplateBody(template, kinds, tzOffset)}</TemplateList>`;
  }
  if (page.missingIds.length > 0) {
    xml += `<NonExistTIDs>${page.missingIds.map((id) => leaf('TemplateId', id)).join('')}</NonExistTIDs>`;
  }
  return `${xml}</Response>`;
}

export function renderDeleteResponse(requestId: string, templateId: string): string {
  return `<Response><RequestId>${escapeXml(requestId)}</RequestId>${leaf('TemplateId', templateId)}</Response>`;
}
