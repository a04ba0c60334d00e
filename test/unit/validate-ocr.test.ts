import { describe, expect, it } from 'vitest';
import { CiError } from '../../src/errors.js';
import { OCR_LANGUAGE_TYPES } from '../../src/kinds/catalog/image-ocr.js';
import { KindRegistry } from '../../src/kinds/registry.js';
import { readTemplateBody } from '../../src/templates/validate.js';

const kinds = new KindRegistry();

const read = (xml: string): ReturnType<typeof readTemplateBody> => readTemplateBody(Buffer.from(xml), kinds, { strict: true, extraElements: ['TemplateId'] });
const body = (name: string, ocr: string): string => `<Request><Tag>ImageOCR</Tag><Name>${name}</Name><ImageOCR>${ocr}</ImageOCR></Request>`;
const ocr = (fields: string): string => body('n', fields);

function refusal(xml: string): { code: string; status: number; message: string } {
  try {
    read(xml);
  } catch (error) {
    if (error instanceof CiError) return { code: error.code, status: error.status, message: error.message };
    throw error;
  }
  throw new Error(`accepted: ${xml}`);
}

const DEFAULTS = { Type: 'general', LanguageType: 'zh', IsPdf: 'false', PdfPageNumber: '1', IsWord: 'false', EnableWordPolygon: 'false' };

describe('Name', () => {
  const han64 = '模'.repeat(64);
  it.each([
    ['a 64-character Chinese name', han64],
    ['letters, digits, _, - and *', 'Ab_9-*'],
    ['one character', 'x'],
    ['64 ASCII characters', 'a'.repeat(64)],
    ['rare Han characters (Extension B)', '𠀀𠀁'],
  ])('accepts %s', (_what, name) => {
    expect(read(body(name, '<Type>general</Type>')).template.name).toBe(name);
  });

  it.each([
    ['65 characters', '模'.repeat(65)],
    ['a space', 'a b'],
    ['a dot', 'a.b'],
    ['an emoji', 'a😀'],
    ['a slash', 'a/b'],
    ['Japanese kana', 'あ'],
    ['a full-width letter', 'Ａ'],
    ['a leading space', ' a'],
  ])('refuses %s', (_what, name) => {
    expect(refusal(body(name, '<Type>general</Type>'))).toMatchObject({ code: 'InvalidArgument', status: 400, message: expect.stringContaining('Name') });
  });

  it('refuses a missing or empty Name', () => {
    expect(refusal('<Request><Tag>ImageOCR</Tag><ImageOCR><Type>general</Type></ImageOCR></Request>').message).toBe('Name is required.');
    expect(refusal(body('', '<Type>general</Type>')).message).toBe('Name is required.');
  });

  it('refuses two Names', () => {
    expect(refusal('<Request><Tag>ImageOCR</Tag><Name>a</Name><Name>b</Name><ImageOCR><Type>general</Type></ImageOCR></Request>').message).toBe(
      'Name is given more than once.',
    );
  });
});

describe('Tag', () => {
  it('is required', () => {
    expect(refusal('<Request><Name>a</Name><ImageOCR><Type>general</Type></ImageOCR></Request>').message).toBe('Tag is required.');
  });
  it('must be a known kind, case-sensitively', () => {
    expect(refusal(body('a', '<Type>general</Type>').replace('<Tag>ImageOCR', '<Tag>imageocr')).message).toContain('Tag "imageocr" is not a template kind');
  });
  it('cannot be given twice', () => {
    expect(refusal('<Request><Tag>ImageOCR</Tag><Tag>ImageOCR</Tag><Name>a</Name><ImageOCR><Type>general</Type></ImageOCR></Request>').message).toBe(
      'Tag is given more than once.',
    );
  });
});

describe('the ImageOCR container', () => {
  it('is required', () => {
    expect(refusal('<Request><Tag>ImageOCR</Tag><Name>a</Name></Request>').message).toBe('ImageOCR is required.');
  });
  it.each([
    ['empty', '<ImageOCR/>'],
    ['with only empty fields', '<ImageOCR><Type/><IsPdf></IsPdf></ImageOCR>'],
    ['with only whitespace', '<ImageOCR>\n  </ImageOCR>'],
  ])('is refused when %s', (_what, container) => {
    expect(refusal(`<Request><Tag>ImageOCR</Tag><Name>a</Name>${container}</Request>`).message).toBe(
      'ImageOCR must set at least one of its fields; all of them are empty.',
    );
  });
  it('cannot be given twice', () => {
    expect(
      refusal(`<Request><Tag>ImageOCR</Tag><Name>a</Name><ImageOCR><Type>fast</Type></ImageOCR><ImageOCR><Type>fast</Type></ImageOCR></Request>`).message,
    ).toBe('ImageOCR is given more than once.');
  });
  it('refuses text instead of fields', () => {
    expect(refusal(ocr('general')).message).toBe('ImageOCR must contain elements, not text.');
  });
});

describe('fields', () => {
  it('fills all six defaults', () => {
    expect(read(ocr('<Type>fast</Type>')).template.data).toEqual({ ImageOCR: { ...DEFAULTS, Type: 'fast' } });
  });

  it('keeps the declared order whatever the order sent', () => {
    const data = read(ocr('<IsWord>true</IsWord><Type>accurate</Type>')).template.data;
    expect(Object.keys(data['ImageOCR'] as object)).toEqual(Object.keys(DEFAULTS));
  });

  it('treats an empty element as not set', () => {
    expect(read(ocr('<Type>fast</Type><IsPdf/><LanguageType></LanguageType>')).template.data).toEqual({ ImageOCR: { ...DEFAULTS, Type: 'fast' } });
  });

  it.each(['general', 'accurate', 'efficient', 'fast', 'handwriting'])('accepts Type %s', (type) => {
    expect(read(ocr(`<Type>${type}</Type>`)).template.data).toEqual({ ImageOCR: { ...DEFAULTS, Type: type } });
  });

  it.each(['General', 'GENERAL', 'printed', ' general'])('refuses Type "%s"', (type) => {
    expect(refusal(ocr(`<Type>${type}</Type>`)).message).toContain('ImageOCR.Type must be one of general, accurate, efficient, fast, handwriting');
  });

  it('knows 23 language codes', () => {
    expect(OCR_LANGUAGE_TYPES).toHaveLength(23);
  });

  it.each([...OCR_LANGUAGE_TYPES])('accepts LanguageType %s', (language) => {
    expect(read(ocr(`<LanguageType>${language}</LanguageType>`)).template.data).toEqual({ ImageOCR: { ...DEFAULTS, LanguageType: language } });
  });

  it.each(['ZH', 'en', 'jpn', 'zh-CN'])('refuses LanguageType "%s"', (language) => {
    expect(refusal(ocr(`<LanguageType>${language}</LanguageType>`)).message).toContain('ImageOCR.LanguageType must be one of');
  });

  describe.each(['IsPdf', 'IsWord', 'EnableWordPolygon'])('%s', (field) => {
    it.each(['true', 'false'])('accepts %s', (value) => {
      expect(read(ocr(`<${field}>${value}</${field}>`)).template.data).toEqual({ ImageOCR: { ...DEFAULTS, [field]: value } });
    });
    it.each(['True', '1', 'yes', 'FALSE'])('refuses "%s"', (value) => {
      expect(refusal(ocr(`<${field}>${value}</${field}>`)).message).toBe(`ImageOCR.${field} must be true or false; got "${value}".`);
    });
  });

  it.each([
    ['1', '1'],
    ['2', '2'],
    ['0002', '2'],
    ['9007199254740991', '9007199254740991'],
  ])('accepts PdfPageNumber %s (stored as %s)', (value, stored) => {
    expect(read(ocr(`<PdfPageNumber>${value}</PdfPageNumber>`)).template.data).toEqual({ ImageOCR: { ...DEFAULTS, PdfPageNumber: stored } });
  });

  it.each(['0', '-1', '1.5', 'one', '1e3', '99999999999999999999'])('refuses PdfPageNumber "%s"', (value) => {
    expect(refusal(ocr(`<PdfPageNumber>${value}</PdfPageNumber>`)).message).toMatch(/^ImageOCR\.PdfPageNumber must be/);
  });

  it('stores fields whose "has effect when" condition is unmet, as given', () => {
    const data = read(ocr('<Type>handwriting</Type><IsPdf>true</IsPdf><LanguageType>jap</LanguageType>')).template.data;
    expect(data).toEqual({ ImageOCR: { ...DEFAULTS, Type: 'handwriting', IsPdf: 'true', LanguageType: 'jap' } });
  });
});

describe('elements', () => {
  it('refuses an element the kind does not know', () => {
    expect(refusal(ocr('<Type>general</Type><Typo>x</Typo>')).message).toBe('ImageOCR.Typo is not an element this template kind accepts.');
    expect(refusal('<Request><Tag>ImageOCR</Tag><Name>a</Name><ImageOCR><Type>general</Type></ImageOCR><Snapshot/></Request>').message).toBe(
      'Snapshot is not an element this template kind accepts.',
    );
  });

  it('refuses a field given twice', () => {
    expect(refusal(ocr('<Type>general</Type><Type>fast</Type>')).message).toBe('ImageOCR.Type is given more than once.');
  });

  it('refuses a container where a value belongs', () => {
    expect(refusal(ocr('<Type><general/></Type>')).message).toBe('ImageOCR.Type must be a value, not a container.');
  });

  it('reads and ignores a TemplateId at the root, as a doc example sends it', () => {
    expect(read(`<Request><Tag>ImageOCR</Tag><Name>a</Name><TemplateId>t1x</TemplateId><ImageOCR><Type>fast</Type></ImageOCR></Request>`).template.name).toBe(
      'a',
    );
  });

  it('ignores attributes and namespaces', () => {
    expect(read('<Request xmlns="urn:x"><Tag a="1">ImageOCR</Tag><Name>a</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>').template.tag).toBe(
      'ImageOCR',
    );
  });

  it('reads CDATA, comments and entities as XML does', () => {
    const template = read(
      '<?xml version="1.0" encoding="UTF-8"?><!-- c --><Request><Tag><![CDATA[ImageOCR]]></Tag><Name>&#x6A21;&#26495;</Name><ImageOCR><Type>gen<!-- x -->eral</Type></ImageOCR></Request>',
    ).template;
    expect(template).toMatchObject({ tag: 'ImageOCR', name: '模板', data: { ImageOCR: { Type: 'general' } } });
  });
});

describe('the body itself', () => {
  it.each([
    ['empty', ''],
    ['only whitespace', ' \n\t '],
  ])('is MissingContent when %s', (_what, text) => {
    expect(refusal(text)).toMatchObject({ code: 'MissingContent', status: 400 });
  });

  it.each([
    ['not XML', 'hello'],
    ['JSON', '{"Request":{}}'],
    ['unclosed', '<Request><Tag>ImageOCR</Tag>'],
    ['mismatched', '<Request><Tag>ImageOCR</Name></Request>'],
    ['two roots', '<Request/><Request/>'],
    ['a DOCTYPE', '<!DOCTYPE Request><Request/>'],
    ['an entity declaration', '<!DOCTYPE r [<!ENTITY a "x">]><Request><Name>&a;</Name></Request>'],
    ['an undeclared entity', `<Request><Tag>ImageOCR</Tag><Name>&nbsp;</Name></Request>`],
    ['a bare ampersand', '<Request><Name>a&b</Name></Request>'],
    ['a NUL byte', '<Request><Name>a\u0000</Name></Request>'],
    ['a control character', '<Request><Name>a\u0007</Name></Request>'],
    ['a reference to a forbidden character', '<Request><Name>&#0;</Name></Request>'],
    ['a root other than Request', '<Template><Tag>ImageOCR</Tag></Template>'],
    ['nesting deeper than 32', `${'<a>'.repeat(40)}${'</a>'.repeat(40)}`],
    ['10,000-deep nesting', `${'<Request>'.repeat(10_000)}${'</Request>'.repeat(10_000)}`],
  ])('is InvalidContent when %s', (_what, text) => {
    expect(refusal(text)).toMatchObject({ code: 'InvalidContent', status: 400 });
  });

  it('is InvalidContent when not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('<Request><Name>'), Buffer.from([0xff, 0xfe]), Buffer.from('</Name></Request>')]);
    expect(() => readTemplateBody(bytes, kinds, { strict: true, extraElements: [] })).toThrow(/not valid UTF-8/);
  });

  it('accepts a UTF-8 byte order mark and an XML declaration', () => {
    const text = `\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n${ocr('<Type>fast</Type>')}`;
    expect(read(text).template.tag).toBe('ImageOCR');
  });
});
