import { bool, defineKind, enumOf, group, int } from '../schema.js';

export const OCR_LANGUAGE_TYPES = [
  'zh',
  'zh_rare',
  'auto',
  'mix',
  'jap',
  'kor',
  'spa',
  'fre',
  'ger',
  'por',
  'vie',
  'may',
  'rus',
  'ita',
  'hol',
  'swe',
  'fin',
  'dan',
  'nor',
  'hun',
  'tha',
  'hi',
  'ara',
] as const;

export default defineKind({
  tag: 'ImageOCR',
  source: 'create-ocr-template.txt; ci-template-api.md §2 (language codes from Tencent OCR docs and SDKs)',
  // The doc's example answer adds <EnableWordPolygon>false</EnableWordPolygon> that the request
  // left out: the service fills every default.
  fillDefaults: true,
  fields: {
    ImageOCR: group(
      {
        Type: enumOf(['general', 'accurate', 'efficient', 'fast', 'handwriting'], { default: 'general' }),
        LanguageType: enumOf(OCR_LANGUAGE_TYPES, { default: 'zh' }),
        IsPdf: bool({ default: 'false' }),
        PdfPageNumber: int({ min: 1, default: '1' }),
        IsWord: bool({ default: 'false' }),
        EnableWordPolygon: bool({ default: 'false' }),
      },
      { required: true, nonEmpty: true },
    ),
  },
  example:
    '<Request><Tag>ImageOCR</Tag><Name>TemplateName</Name><ImageOCR><Type>general</Type><LanguageType>zh</LanguageType>' +
    '<IsPdf>true</IsPdf><PdfPageNumber>2</PdfPageNumber><IsWord>true</IsWord></ImageOCR></Request>',
});
