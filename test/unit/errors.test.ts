import { describe, expect, it } from 'vitest';
import { CiError, ERROR_STATUS, invalidArgument, KNOWN_ERROR_CODES, MESSAGE_LIMIT, renderErrorXml, type CiErrorCode } from '../../src/errors.js';

const CONTEXT = { resource: '/template', requestId: 'NWYyYTI4ZmM=', traceId: 'dHJhY2U=' };
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>';

describe('the status table', () => {
  const expected: [CiErrorCode, number][] = [
    ['MissingContent', 400],
    ['InvalidContent', 400],
    ['InvalidArgument', 400],
    ['InvalidRequest', 400],
    ['TemplateNameDuplicate', 400],
    ['MissingAuthorization', 401],
    ['InvalidAuthorization', 401],
    ['SecretidNotExist', 401],
    ['SignatureExpired', 401],
    ['RequestTimeTooSkewed', 403],
    ['SignatureDoesNotMatch', 403],
    ['AccessDenied', 403],
    ['TemplateNotFound', 404],
    ['QueueNotFound', 404],
    ['QueuePaused', 403],
    ['InvalidUrl', 404],
    ['MethodNotAllowed', 405],
    ['RequestHeaderSectionTooLarge', 431],
    ['InternalError', 500],
  ];

  it('lists exactly these codes', () => {
    expect(Object.entries(ERROR_STATUS)).toEqual(expected);
    expect(KNOWN_ERROR_CODES).toEqual(expected.map(([code]) => code));
  });

  it.each(expected)('answers %s with %i', (code, status) => {
    const error = new CiError(code, 'message');
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
  });
});

describe('CiError', () => {
  it('is an Error named CiError, with no signature and no headers by default', () => {
    const error = new CiError('TemplateNotFound', 'The template t1x does not exist.');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CiError');
    expect(error.message).toBe('The template t1x does not exist.');
    expect(error.signature).toBeUndefined();
    expect(error.headers).toEqual({});
  });

  it('carries the signature debug and headers it is given', () => {
    const signature = { stringToSign: 'sha1\n1;2\nabc\n', formatString: 'get\n/template\n\n\n' };
    const error = new CiError('SignatureDoesNotMatch', 'no', { signature, headers: { Allow: 'GET' } });
    expect(error.signature).toBe(signature);
    expect(error.headers).toEqual({ Allow: 'GET' });
  });

  it('takes a requested status equal to the table', () => {
    expect(new CiError('InvalidArgument', 'm', { status: 400 }).status).toBe(400);
  });

  it('takes 413 for InvalidContent, the one alternate status of the contract', () => {
    expect(new CiError('InvalidContent', 'too large', { status: 413 }).status).toBe(413);
    expect(new CiError('InvalidContent', 'bad', { status: 400 }).status).toBe(400);
  });

  it.each([
    ['InvalidContent', 500],
    ['InvalidArgument', 413],
    ['TemplateNotFound', 400],
    ['InternalError', 503],
  ] as const)('throws a TypeError for %s with status %i', (code, status) => {
    const make = () => new CiError(code, 'm', { status });
    expect(make).toThrow(TypeError);
    expect(make).toThrow(`status ${status} is not one the contract gives ${code}`);
  });

  it('makes InvalidArgument through invalidArgument()', () => {
    const error = invalidArgument('bad value');
    expect(error).toBeInstanceOf(CiError);
    expect([error.code, error.status, error.message]).toEqual(['InvalidArgument', 400, 'bad value']);
  });

  describe('an injected fault', () => {
    it('takes any code and status', () => {
      const error = CiError.injected('SlowDown', 503, 'This error was injected.');
      expect(error).toBeInstanceOf(CiError);
      expect([error.code, error.status, error.message]).toEqual(['SlowDown', 503, 'This error was injected.']);
    });

    it('takes a status outside the table for a known code', () => {
      const error = CiError.injected('InvalidArgument', 418, 'm');
      expect([error.code, error.status]).toEqual(['InvalidArgument', 418]);
    });
  });

  describe('message clipping', () => {
    it(`keeps a message of ${MESSAGE_LIMIT} characters whole`, () => {
      const message = 'x'.repeat(MESSAGE_LIMIT);
      expect(new CiError('InvalidArgument', message).message).toBe(message);
    });

    it('cuts the middle of a longer one, keeping its first 1,500 and last 490 characters', () => {
      const message = `${'a'.repeat(1500)}${'b'.repeat(11)}${'c'.repeat(490)}`;
      expect(message).toHaveLength(MESSAGE_LIMIT + 1);
      expect(new CiError('InvalidArgument', message).message).toBe(`${'a'.repeat(1500)} … ${'c'.repeat(490)}`);
    });

    it('cuts a megabyte to under the limit', () => {
      const message = new CiError('InvalidArgument', `start ${'m'.repeat(1 << 20)} end`).message;
      expect(message).toHaveLength(1993);
      expect(message.startsWith('start m')).toBe(true);
      expect(message.endsWith('m end')).toBe(true);
    });

    it('clips injected messages too', () => {
      expect(CiError.injected('X', 500, 'y'.repeat(5000)).message).toHaveLength(1993);
    });
  });
});

describe('renderErrorXml', () => {
  it('writes Code, Message, Resource, RequestId and TraceId, in that order', () => {
    expect(renderErrorXml(new CiError('TemplateNotFound', 'gone'), CONTEXT)).toBe(
      `${HEAD}<Code>TemplateNotFound</Code><Message>gone</Message><Resource>/template</Resource>` +
        '<RequestId>NWYyYTI4ZmM=</RequestId><TraceId>dHJhY2U=</TraceId></Error>',
    );
  });

  it('adds StringToSign and FormatString after TraceId for a signature mismatch', () => {
    const error = new CiError('SignatureDoesNotMatch', 'mismatch', {
      signature: { stringToSign: 'sha1\n1;2\nabc\n', formatString: 'get\n/template\n\nhost=h\n' },
    });
    expect(renderErrorXml(error, CONTEXT)).toBe(
      `${HEAD}<Code>SignatureDoesNotMatch</Code><Message>mismatch</Message><Resource>/template</Resource>` +
        '<RequestId>NWYyYTI4ZmM=</RequestId><TraceId>dHJhY2U=</TraceId>' +
        '<StringToSign>sha1\n1;2\nabc\n</StringToSign><FormatString>get\n/template\n\nhost=h\n</FormatString></Error>',
    );
  });

  it('escapes every field', () => {
    const error = CiError.injected('A&B', 500, `<x a="1">'&'</x>`);
    const xml = renderErrorXml(error, { resource: '/template?a=1&b=<2>', requestId: 'r"', traceId: "t'" });
    expect(xml).toBe(
      `${HEAD}<Code>A&amp;B</Code><Message>&lt;x a=&quot;1&quot;&gt;&apos;&amp;&apos;&lt;/x&gt;</Message>` +
        '<Resource>/template?a=1&amp;b=&lt;2&gt;</Resource><RequestId>r&quot;</RequestId><TraceId>t&apos;</TraceId></Error>',
    );
  });

  it('escapes the signature debug and replaces what XML cannot carry', () => {
    const error = new CiError('SignatureDoesNotMatch', 'm\u0000', { signature: { stringToSign: '<s>', formatString: 'get\n/a&b\u0001\n' } });
    expect(renderErrorXml(error, CONTEXT)).toContain('<Message>m\uFFFD</Message>');
    expect(renderErrorXml(error, CONTEXT)).toContain('<StringToSign>&lt;s&gt;</StringToSign><FormatString>get\n/a&amp;b\uFFFD\n</FormatString></Error>');
  });
});
