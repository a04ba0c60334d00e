import { BoundedCache } from '../bounded-cache.js';
import { formatCiTime } from '../ids.js';
import type { KindRegistry } from '../kinds/registry.js';
import { renderKindData, renderUnknownKindData } from '../kinds/render.js';
import type { GroupValue } from '../kinds/schema.js';
import { escapeXml, leaf } from '../xml-escape.js';
import type { DescribePage, StoredTemplate } from './store.js';

/** Distinct kind payloads and timestamps remembered; plenty for a test suite, bounded for a soak. */
const CACHE_LIMIT = 2048;

/**
 * The answers of the four operations, written as template strings: they are small, fixed in
 * shape, and this is the hot path of every request. A kind's part of `<Template>` depends only on
 * the Tag and the stored data, so it is rendered once per distinct payload (content-addressed:
 * nothing to invalidate) and describe answers never parse the stored JSON.
 */
export class TemplateRenderer {
  readonly #kindXml = new BoundedCache<string, string>(CACHE_LIMIT);
  readonly #times = new BoundedCache<number, string>(CACHE_LIMIT);

  constructor(
    private readonly kinds: KindRegistry,
    private readonly tzOffset: string,
  ) {}

  /** The children of `<Template>` (and of each `<TemplateList>`), in the order of the doc's example. */
  templateBody(template: StoredTemplate): string {
    return (
      leaf('Tag', template.tag) +
      leaf('Name', template.name) +
      leaf('TemplateId', template.id) +
      `<CreateTime>${this.#time(template.createdAt)}</CreateTime>` +
      `<UpdateTime>${this.#time(template.updatedAt)}</UpdateTime>` +
      leaf('BucketId', template.bucket) +
      `<Category>${template.category}</Category>` +
      this.#kindPart(template)
    );
  }

  template(requestId: string, template: StoredTemplate): string {
    return `<Response><RequestId>${escapeXml(requestId)}</RequestId><Template>${this.templateBody(template)}</Template></Response>`;
  }

  describe(requestId: string, page: DescribePage, paging: { readonly pageNumber: number; readonly pageSize: number }): string {
    let xml =
      `<Response><RequestId>${escapeXml(requestId)}</RequestId>` +
      `<TotalCount>${page.totalCount}</TotalCount><PageNumber>${paging.pageNumber}</PageNumber><PageSize>${paging.pageSize}</PageSize>`;
    for (const template of page.templates) xml += `<TemplateList>${this.templateBody(template)}</TemplateList>`;
    if (page.missingIds.length > 0) {
      xml += `<NonExistTIDs>${page.missingIds.map((id) => leaf('TemplateId', id)).join('')}</NonExistTIDs>`;
    }
    return `${xml}</Response>`;
  }

  deleted(requestId: string, templateId: string): string {
    return `<Response><RequestId>${escapeXml(requestId)}</RequestId>${leaf('TemplateId', templateId)}</Response>`;
  }

  #kindPart(template: StoredTemplate): string {
    const key = `${template.tag}\n${template.dataJson}`;
    const cached = this.#kindXml.get(key);
    if (cached !== undefined) return cached;
    const kind = this.kinds.get(template.tag);
    const data: GroupValue = template.data;
    return this.#kindXml.set(key, kind === undefined ? renderUnknownKindData(data) : renderKindData(kind, data));
  }

  #time(unixSeconds: number): string {
    return this.#times.get(unixSeconds) ?? this.#times.set(unixSeconds, formatCiTime(unixSeconds, this.tzOffset));
  }
}
