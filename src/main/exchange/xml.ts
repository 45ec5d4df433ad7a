// A strict reader for the XML that label files are written in (VOC annotations, CVAT for images):
// elements, attributes, text, CDATA, comments and the predefined and numeric entities. No DTDs,
// no namespaces: a file needing them is not one of those layouts, and saying so beats guessing.
// The only XML libraries in node_modules come with the packager, not with the app.
import { ApiError } from '$shared/rpc';

export interface XmlElement {
  name: string;
  attributes: Map<string, string>;
  children: XmlElement[];
  /** The element's own text (CDATA included), child elements' text excluded. */
  text: string;
  line: number;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITIES = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

/**
 * VOC and CVAT nest five deep. The reader recurses once per level, so a deeper file would otherwise
 * end in a stack overflow rather than a reason.
 */
const maxDepth = 100;

/** The document's root element; `format` and `source` name the file in errors. */
export function parseXml(text: string, format: string, source: string): XmlElement {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (why: string, at = pos): never => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new ApiError('bad_input', `${format} ${source} line ${line}, column ${column}: ${why}`);
  };
  // Elements are met in order, so their lines are counted on from the last one: a 100,000-image
  // file is read once, not once per element.
  let counted = 0;
  let lines = 1;
  const lineAt = (at: number) => {
    for (; counted < at; counted += 1) if (text.charCodeAt(counted) === 10) lines += 1;
    return lines;
  };

  const skipMisc = () => {
    for (;;) {
      while (pos < text.length && /\s/.test(text[pos]!)) pos += 1;
      if (text.startsWith('<?', pos)) pos = until('?>', 'processing instruction');
      else if (text.startsWith('<!--', pos)) pos = until('-->', 'comment');
      else if (text.startsWith('<!DOCTYPE', pos)) fail('a DOCTYPE is not accepted in a label file');
      else return;
    }
  };
  const until = (end: string, what: string): number => {
    const found = text.indexOf(end, pos);
    if (found < 0) fail(`unterminated ${what}`);
    return found + end.length;
  };
  const readName = (what: string): string => {
    NAME.lastIndex = pos;
    const match = NAME.exec(text);
    if (!match) fail(`expected ${what}, found ${JSON.stringify(text.slice(pos, pos + 10))}`);
    pos += match![0].length;
    return match![0];
  };
  const decode = (raw: string, start: number): string =>
    raw.replace(/&([^;&<\s]*);?/g, (whole, ref: string, offset: number) => {
      if (!whole.endsWith(';')) fail(`"&" must start an entity such as &amp;`, start + offset);
      const code = /^#x[0-9a-f]+$/i.test(ref)
        ? parseInt(ref.slice(2), 16)
        : /^#[0-9]+$/.test(ref)
          ? parseInt(ref.slice(1), 10)
          : undefined;
      if (code !== undefined) {
        if (code > 0x10ffff || code === 0)
          fail(`character reference &${ref}; is out of range`, start + offset);
        return String.fromCodePoint(code);
      }
      const named = ENTITIES.get(ref);
      if (named === undefined) fail(`unknown entity &${ref};`, start + offset);
      return named!;
    });

  const readElement = (depth: number): XmlElement => {
    if (depth > maxDepth) fail(`elements nested more than ${maxDepth} deep; no label file needs that many`);
    const line = lineAt(pos);
    pos += 1; // '<'
    const name = readName('an element name');
    const attributes = new Map<string, string>();
    for (;;) {
      const spaced = /\s/.test(text[pos] ?? '');
      while (/\s/.test(text[pos] ?? '')) pos += 1;
      if (text.startsWith('/>', pos)) {
        pos += 2;
        return { name, attributes, children: [], text: '', line };
      }
      if (text[pos] === '>') {
        pos += 1;
        break;
      }
      if (pos >= text.length) fail(`unterminated start tag <${name}>`);
      if (!spaced) fail(`expected a space, ">" or "/>" in <${name}>`);
      const attributeAt = pos;
      const attribute = readName(`an attribute name in <${name}>`);
      while (/\s/.test(text[pos] ?? '')) pos += 1;
      if (text[pos] !== '=') fail(`attribute ${attribute} of <${name}> has no value`);
      pos += 1;
      while (/\s/.test(text[pos] ?? '')) pos += 1;
      const quote = text[pos];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attribute} of <${name}> must be quoted`);
      const end = text.indexOf(quote!, pos + 1);
      if (end < 0) fail(`unterminated value of attribute ${attribute}`);
      const raw = text.slice(pos + 1, end);
      if (raw.includes('<'))
        fail(`"<" inside the value of attribute ${attribute}`, pos + 1 + raw.indexOf('<'));
      if (attributes.has(attribute)) fail(`attribute ${attribute} is repeated in <${name}>`, attributeAt);
      attributes.set(attribute, decode(raw, pos + 1));
      pos = end + 1;
    }
    const children: XmlElement[] = [];
    let own = '';
    for (;;) {
      const next = text.indexOf('<', pos);
      if (next < 0) fail(`<${name}> (line ${line}) is never closed`, text.length);
      own += decode(text.slice(pos, next), pos);
      pos = next;
      if (text.startsWith('</', pos)) {
        const closingAt = pos;
        pos += 2;
        const closing = readName('an element name after "</"');
        if (closing !== name) fail(`</${closing}> closes <${name}> (line ${line})`, closingAt);
        while (/\s/.test(text[pos] ?? '')) pos += 1;
        if (text[pos] !== '>') fail(`expected ">" to end </${closing}>`);
        pos += 1;
        return { name, attributes, children, text: own, line };
      }
      if (text.startsWith('<!--', pos)) pos = until('-->', 'comment');
      else if (text.startsWith('<![CDATA[', pos)) {
        const end = until(']]>', 'CDATA section');
        own += text.slice(pos + 9, end - 3);
        pos = end;
      } else if (text.startsWith('<?', pos)) pos = until('?>', 'processing instruction');
      else children.push(readElement(depth + 1));
    }
  };

  skipMisc();
  if (text[pos] !== '<') fail(pos >= text.length ? 'empty document' : 'expected an element, found text');
  const root = readElement(1);
  skipMisc();
  if (pos < text.length) fail(`content after the root element </${root.name}>`);
  return root;
}

/** The children named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** The trimmed text of the first child named `name`, or undefined where there is none. */
export function childText(element: XmlElement, name: string): string | undefined {
  return element.children.find((child) => child.name === name)?.text.trim();
}

/** Text and attribute values, escaped so the reader above gives them back byte for byte. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']|[\r\t\n]/g, (char) =>
    char === '&'
      ? '&amp;'
      : char === '<'
        ? '&lt;'
        : char === '>'
          ? '&gt;'
          : char === '"'
            ? '&quot;'
            : char === "'"
              ? '&apos;'
              : `&#${char.charCodeAt(0)};`,
  );
}
