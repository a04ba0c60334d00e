/** Text escaping for the XML the emulator writes with template strings. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// eslint-disable-next-line no-control-regex -- the control characters XML cannot carry are what is replaced
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- as above
const ESCAPE_ALL = /[&<>"']|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for an element; characters XML cannot carry become U+FFFD. */
export function escapeXml(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPE_ALL, (ch) => ESCAPES[ch] ?? '\uFFFD');
}

/** `<name>escaped text</name>` */
export function leaf(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}
