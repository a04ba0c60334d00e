import { SUPER_RESOLUTION_FIELDS } from '../containers.js';
import { defineKind } from '../schema.js';

export default defineKind({
  tag: 'SuperResolution',
  source: 'template-kinds.md §3.9 (I:创建超分辨率模板; Go G:2501, G:449)',
  fillDefaults: false,
  fields: SUPER_RESOLUTION_FIELDS,
  // The doc's answer table leaves Version out, its example answer has it: it is answered.
  responseContainer: 'SuperResolution',
  example:
    '<Request><Tag>SuperResolution</Tag><Name>TemplateName</Name><Resolution>sdtohd</Resolution><EnableScaleUp>true</EnableScaleUp><Version>Enhance</Version></Request>',
});
