import { side } from '../containers.js';
import { bool, defineKind, enumOf, group, int } from '../schema.js';

export default defineKind({
  tag: 'SmartCover',
  source: 'template-kinds.md §3.5 (I:创建智能封面模板; Go G:2068)',
  fillDefaults: false,
  fields: {
    // Required although every child is optional: an empty <SmartCover/> means "all defaults".
    SmartCover: group(
      {
        Format: enumOf(['jpg', 'png', 'webp'], { default: 'jpg' }),
        Width: side(),
        Height: side(),
        Count: int({ min: 1, max: 10, default: '3' }),
        DeleteDuplicates: bool({ default: 'false' }),
      },
      { required: true, allowEmpty: true },
    ),
  },
  example:
    '<Request><Tag>SmartCover</Tag><Name>TemplateName</Name><SmartCover><Format>jpg</Format><Width>1280</Width><Height>960</Height>' +
    '<Count>10</Count><DeleteDuplicates>true</DeleteDuplicates></SmartCover></Request>',
});
