import type { KindRegistry } from '../kinds/registry.js';
import type { DescribeFilter, DescribePage, StoredTemplate } from './store.js';

/** CI's system presets are answered from the kind declarations; they are never stored. */
const PRESET_TIME = Date.UTC(2020, 0, 1) / 1000;

export function describeOfficial(filter: DescribeFilter, kinds: KindRegistry): DescribePage {
  const presets: StoredTemplate[] = kinds.kinds
    .filter((kind) => filter.tag === undefined || kind.tag === filter.tag)
    .flatMap((kind) =>
      (kind.officialPresets ?? []).map((preset) => ({
        id: preset.templateId,
        bucket: filter.bucket,
        tag: kind.tag,
        name: preset.name,
        category: 'Official' as const,
        data: preset.data,
        dataJson: JSON.stringify(preset.data),
        createdAt: PRESET_TIME,
        updatedAt: PRESET_TIME,
      })),
    );
  const ids = filter.ids === undefined ? undefined : new Set(filter.ids);
  const matching = presets.filter(
    (preset) => (ids === undefined || ids.has(preset.id)) && (filter.namePrefix === undefined || preset.name.startsWith(filter.namePrefix)),
  );
  const offset = (filter.pageNumber - 1) * filter.pageSize;
  const known = new Set(presets.map((preset) => preset.id));
  return {
    totalCount: matching.length,
    templates: matching.slice(offset, offset + filter.pageSize),
    missingIds: filter.ids === undefined ? [] : [...new Set(filter.ids)].filter((id) => !known.has(id)),
  };
}
