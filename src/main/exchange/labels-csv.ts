// The labels.csv exchange format: a header `filename,classes[,negatives]`, then one row per photo
// with its positive classes joined by `|`. Without the `negatives` column a listed photo is
// labelled completely: each class named anywhere in the file and absent from its row is negative
// for it. With it, the row says which classes are negative and every other class stays unknown,
// so a partly labelled photo survives the trip.
import { operations } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { labelFileReader } from './label-file';
import {
  checkClassCount,
  checkLabelCells,
  type ClassEntry,
  type ExchangeFile,
  type ExchangeFormat,
  type ExchangeRecord,
} from './records';

export const readLabelsCsv = labelFileReader(parseLabelsCsv);

export const labelsCsvFormat: ExchangeFormat = {
  id: 'labels-csv',
  title: 'labels.csv (filename, classes, negatives)',
  layout: 'file',
  extensions: ['csv'],
  detect: (_path, text) =>
    /^\uFEFF?\s*"?filename"?\s*,\s*"?classes"?\s*(,\s*"?negatives"?\s*)?\r?\n/i.test(text),
  read: readLabelsCsv,
  write: (data) => new Map([['', formatLabelsCsv(data)]]),
  loses: ['sources', 'scores', 'splits'],
};

export function parseLabelsCsv(text: string, source = 'labels.csv'): ExchangeFile {
  const fail = (line: number, why: string): never => {
    throw new ApiError('bad_input', `labels.csv ${source} line ${line}: ${why}`);
  };
  if (text.includes('\u0000')) fail(1, 'binary data, not a CSV file');
  const [head, ...rows] = parseCsv(text, fail);
  const header = (head?.cells ?? []).map((cell) => cell.value.trim().toLowerCase());
  const withNegatives = header.length === 3 && header[2] === 'negatives';
  if (header[0] !== 'filename' || header[1] !== 'classes' || (header.length !== 2 && !withNegatives)) {
    fail(
      1,
      `expected the header "filename,classes" or "filename,classes,negatives", found "${header.join(',')}"`,
    );
  }
  const classes = new Set<string>();
  const records: ExchangeRecord[] = [];
  const seen = new Map<string, number>();
  const named = (cell: CsvCell, line: number): string[] => {
    if (cell.value.trim() === '') return [];
    const names = cell.value.split('|').map((name) => checkedClassName(unescaped(name), line, fail));
    for (const name of names) {
      if (classes.has(name)) continue;
      classes.add(name);
      checkClassCount(classes.size, name, (why) => fail(line, why));
    }
    return names;
  };
  for (const row of rows) {
    if (row.cells.length === 1 && row.cells[0]!.value.trim() === '' && !row.cells[0]!.quoted) continue;
    if (row.cells.length !== header.length)
      fail(row.line, `expected ${header.length} columns (${header.join(',')}), found ${row.cells.length}`);
    // A quoted name is the name byte for byte; an unquoted one loses the spaces around the comma.
    const cell = row.cells[0]!;
    const filename = unescaped(cell.quoted ? cell.value : cell.value.trim());
    if (filename === '') fail(row.line, 'empty filename');
    const previous = seen.get(filename);
    if (previous !== undefined) fail(row.line, `${filename} is listed again (first on line ${previous})`);
    seen.set(filename, row.line);
    const entries = new Map<string, ClassEntry>();
    for (const name of named(row.cells[1]!, row.line)) entries.set(name, { state: 'positive' });
    if (withNegatives) {
      for (const name of named(row.cells[2]!, row.line)) {
        if (entries.has(name)) fail(row.line, `class "${name}" is both positive and negative`);
        entries.set(name, { state: 'negative' });
      }
    }
    records.push({ name: filename, classes: entries, at: `line ${row.line}` });
  }
  if (records.length === 0) fail(1, 'no rows after the header');
  if (!withNegatives) {
    // Every listed class is said for every row: the file's size no longer bounds what is built.
    checkLabelCells(records.length, classes.size, (why) => {
      throw new ApiError('bad_input', `labels.csv ${source}: ${why}`);
    });
    for (const record of records) {
      for (const name of classes)
        if (!record.classes.has(name)) record.classes.set(name, { state: 'negative' });
    }
  }
  return { format: labelsCsvFormat.id, classes: [...classes], records, skipped: [] };
}

/** The reverse of csvField's formula escape. */
export const unescaped = (value: string): string => (/^'[=+\-@]/.test(value) ? value.slice(1) : value);

/** A class the file names must be one the API could create: the contract's rule for a name. */
export function checkedClassName(
  name: string,
  line: number,
  fail: (line: number, why: string) => never,
): string {
  const checked = operations.createClass.input.shape.name.safeParse(name);
  const issue = checked.error?.issues[0];
  if (!issue) return checked.data!;
  return fail(
    line,
    issue.code === 'too_big'
      ? `class name of ${name.length.toLocaleString('en')} characters; at most ${issue.maximum}`
      : `class name "${name}": ${issue.message}`,
  );
}

interface CsvCell {
  value: string;
  quoted: boolean;
}

/**
 * RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks, so a record may
 * span lines; `line` is where it starts.
 */
export function parseCsv(
  text: string,
  fail: (line: number, why: string) => never,
): { line: number; cells: CsvCell[] }[] {
  const records: { line: number; cells: CsvCell[] }[] = [];
  let cells: CsvCell[] = [];
  let cell: CsvCell = { value: '', quoted: false };
  let line = 1;
  let start = 1;
  let inQuotes = false;
  const body = text.replace(/^\uFEFF/, '');
  const endRecord = () => {
    cells.push(cell);
    records.push({ line: start, cells });
    cells = [];
    cell = { value: '', quoted: false };
  };
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i]!;
    if (inQuotes) {
      if (char === '"' && body[i + 1] === '"') {
        cell.value += '"';
        i += 1;
      } else if (char === '"') inQuotes = false;
      else {
        if (char === '\n') line += 1;
        cell.value += char;
      }
    } else if (char === '"' && cell.value.trim() === '' && !cell.quoted) {
      // Spaces before an opening quote (`a, "b"`) are the writer's padding, not part of the name.
      cell = { value: '', quoted: true };
      inQuotes = true;
    } else if (char === ',') {
      cells.push(cell);
      cell = { value: '', quoted: false };
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && body[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      start = line;
    } else if (cell.quoted) {
      if (char.trim() !== '') fail(line, `text after a closing quote: ${JSON.stringify(char)}`);
    } else cell.value += char;
  }
  if (inQuotes) fail(start, 'unterminated quoted field');
  if (cells.length > 0 || cell.value !== '' || cell.quoted) endRecord();
  return records;
}

/**
 * One CSV field, quoted when it holds a comma, a quote, a line break or spaces at either end (so a
 * reader keeps them). A field a spreadsheet would run as a formula gets a leading `'`, the escape
 * spreadsheets themselves use.
 */
export const csvField = (value: string): string => {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

function formatLabelsCsv(data: ExchangeFile): string {
  // A photo with a class left unknown needs the negatives column to say so; else today's layout.
  const partial = data.records.some((record) =>
    data.classes.some((name) => !record.classes.get(name)?.state),
  );
  const statesOf = (record: ExchangeRecord, state: 'positive' | 'negative') =>
    data.classes.filter((name) => record.classes.get(name)?.state === state).join('|');
  const lines = data.records.map((record) =>
    [record.name, statesOf(record, 'positive'), ...(partial ? [statesOf(record, 'negative')] : [])]
      .map(csvField)
      .join(','),
  );
  return [partial ? 'filename,classes,negatives' : 'filename,classes', ...lines].join('\n') + '\n';
}
