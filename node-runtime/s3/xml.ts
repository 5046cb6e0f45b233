// The little XML S3 speaks: documents we write (listings, errors, results) and the three small
// bodies clients send (DeleteObjects, CompleteMultipartUpload, CreateBucketConfiguration). Those
// bodies are flat lists of simple elements, so a strict reader of exactly that shape is enough;
// anything with a DOCTYPE, CDATA or nesting it does not expect is MalformedXML.

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPING = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;

/** Text or attribute content, escaped; characters XML 1.0 cannot carry are dropped. */
export function escapeXml(text: string): string {
  // Most keys need nothing: one scan answers that (listings escape thousands of values a page).
  if (!NEEDS_ESCAPING.test(text)) return text;
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export type XmlContent = string | number | boolean | null | undefined | readonly string[];

/** One element; `content` that is an array is already-built child elements, a scalar is text. */
export function el(name: string, content: XmlContent): string {
  if (content === null || content === undefined) return '';
  const inner = Array.isArray(content) ? content.join('') : escapeXml(String(content));
  return `<${name}>${inner}</${name}>`;
}

/** A whole document: declaration, root element in S3's namespace, children in the given order. */
export function xmlDocument(root: string, children: Readonly<Record<string, XmlContent>> | readonly string[]): string {
  const inner = Array.isArray(children) ? children.join('') : Object.entries(children).map(([k, v]) => el(k, v)).join('');
  // S3's error documents carry no namespace, and botocore finds no Code in one that does.
  const namespace = root === 'Error' ? '' : ` xmlns="${S3_NAMESPACE}"`;
  return `${XML_DECLARATION}<${root}${namespace}>${inner}</${root}>`;
}

export class MalformedXmlError extends Error {}

function unescapeXml(text: string): string {
  if (text.includes('<')) throw new MalformedXmlError('unexpected markup inside a value');
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_m, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[ref] as string;
  });
}

/**
 * Reads `<Root><Item><A>..</A><B>..</B></Item>...<Flag>..</Flag></Root>`: the root's repeated
 * `item` elements as records of their children's text, plus the root's other simple children.
 * The root element's name is checked; namespaces and attributes on it are ignored.
 */
export function readFlatXml(xml: string, root: string, item: string): { items: Record<string, string>[]; fields: Record<string, string> } {
  const text = xml.replace(/^\uFEFF/, '').replace(/<\?xml[^>]*\?>/, '').trim();
  if (/<!|<\?/.test(text)) throw new MalformedXmlError('DOCTYPE, CDATA, comments and processing instructions are not accepted');
  const rootMatch = new RegExp(`^<${root}(\\s[^>]*)?>([\\s\\S]*)</${root}>$`).exec(text);
  if (!rootMatch) throw new MalformedXmlError(`the document's root element must be <${root}>`);
  const items: Record<string, string>[] = [];
  const fields: Record<string, string> = {};
  const childPattern = /<([A-Za-z][\w.-]*)(?:\s[^>]*)?>([\s\S]*?)<\/\1>|\s+/gy;
  const body = rootMatch[2] ?? '';
  let consumed = 0;
  for (const match of body.matchAll(childPattern)) {
    consumed += match[0].length;
    const [, name, inner] = match;
    if (name === undefined) continue;
    if (name === item) items.push(readFlatXml(`<${item}>${inner ?? ''}</${item}>`, item, '\u0000').fields);
    else fields[name] = unescapeXml(inner ?? '');
  }
  if (consumed !== body.length) throw new MalformedXmlError(`unexpected content inside <${root}>`);
  return { items, fields };
}
