import { COLOR_ENHANCE, MS_SHARPEN } from '../containers.js';
import { defineKind, requireSome } from '../schema.js';

export default defineKind({
  tag: 'VideoProcess',
  source: 'template-kinds.md §3.8 (I:创建视频增强模板 = D:436/84987; Go G:2469, G:424–442)',
  fillDefaults: false,
  fields: { ColorEnhance: COLOR_ENHANCE, MsSharpen: MS_SHARPEN },
  responseContainer: 'VideoProcess',
  // "ColorEnhance 和 MsSharpen 不能同时为空".
  rules: [requireSome(['ColorEnhance', 'MsSharpen'])],
  example:
    '<Request><Tag>VideoProcess</Tag><Name>TemplateName</Name><ColorEnhance><Enable>true</Enable><Contrast></Contrast><Correction></Correction>' +
    '<Saturation></Saturation></ColorEnhance><MsSharpen><Enable>true</Enable><SharpenLevel></SharpenLevel></MsSharpen></Request>',
});
