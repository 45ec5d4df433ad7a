// Telling a JSON file by its structure without parsing it: a COCO instances file is an object with
// `images`, `annotations` and `categories`, which an official one lists after `info` and `licenses`
// and may hold hundreds of MB. One pass steps over each top-level value, building nothing.

/** Where each bracket or quote is, so that a value's content is stepped over by search, not by character. */
const structural = /[{}[\]"]/g;

/**
 * Whether `text` is a JSON object whose top-level keys include every one of `keys`, in any order and
 * at any offset. Values are stepped over, not checked: this tells a format, the parser judges it.
 */
export function hasTopLevelKeys(text: string, keys: readonly string[]): boolean {
  const wanted = new Set(keys);
  let pos = skipSpace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (text[pos] !== '{') return false;
  pos = skipSpace(text, pos + 1);
  while (text[pos] === '"') {
    const end = stringEnd(text, pos);
    if (end < 0) return false;
    const key = keyOf(text.slice(pos + 1, end - 1));
    if (key === undefined) return false;
    wanted.delete(key);
    if (wanted.size === 0) return true;
    pos = skipSpace(text, end);
    if (text[pos] !== ':') return false;
    pos = valueEnd(text, skipSpace(text, pos + 1));
    if (pos < 0) return false;
    pos = skipSpace(text, pos);
    if (text[pos] !== ',') return false;
    pos = skipSpace(text, pos + 1);
  }
  return false;
}

/** A key as written between its quotes, its escapes read; undefined where one is not JSON. */
function keyOf(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}

function skipSpace(text: string, pos: number): number {
  while (pos < text.length && /[ \t\r\n]/.test(text[pos]!)) pos += 1;
  return pos;
}

/** Just past the closing quote of the string opening at `pos`; -1 where it never closes. */
function stringEnd(text: string, pos: number): number {
  for (let quote = text.indexOf('"', pos + 1); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text[quote - 1 - backslashes] === '\\') backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
  }
  return -1;
}

/** Just past the value starting at `pos`; -1 where it never ends. */
function valueEnd(text: string, pos: number): number {
  const first = text[pos];
  if (first === '"') return stringEnd(text, pos);
  if (first !== '{' && first !== '[') {
    // A number, true, false or null: up to the next separator.
    let end = pos;
    while (end < text.length && !/[,}\]\s]/.test(text[end]!)) end += 1;
    return end > pos ? end : -1;
  }
  let depth = 0;
  structural.lastIndex = pos;
  for (let match = structural.exec(text); match; match = structural.exec(text)) {
    const char = match[0];
    if (char === '"') {
      const end = stringEnd(text, match.index);
      if (end < 0) return -1;
      structural.lastIndex = end;
    } else if (char === '{' || char === '[') depth += 1;
    else if (--depth === 0) return match.index + 1;
  }
  return -1;
}
