import { bool, defineKind, group, str } from '../schema.js';

export default defineKind({
  tag: 'PicProcess',
  // The older page calls the Tag "PictureProcess" and nests the rule in Request.Container.Rule;
  // the newer page, the SDKs and this declaration say PicProcess.ProcessRule.
  source: 'template-kinds.md §3.14 (D:436/84993, D:436/85007, D:436/67225; Go G:685; Python P:1320)',
  fillDefaults: false,
  fields: {
    PicProcess: group(
      {
        IsPicInfo: bool({ default: 'false' }),
        // A CI image-processing rule (imageMogr2/…): not parsed.
        ProcessRule: str({ required: true }),
      },
      { required: true },
    ),
  },
  example:
    '<Request><Tag>PicProcess</Tag><Name>TemplateName</Name><PicProcess><IsPicInfo>true</IsPicInfo><ProcessRule>imageMogr2/rotate/90</ProcessRule></PicProcess></Request>',
});
