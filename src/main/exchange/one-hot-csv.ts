// One-hot CSV: a `filename` column, then one 0/1 column per class, as Roboflow's multi-label
// classification export writes it (`_classes.csv`, a space after each comma) and as training code
// reads it into a matrix. `1` is positive, `0` negative; an empty cell is read as unknown, but the
// writer keeps the matrix full of 0/1 for that code, so unknown goes out as 0 (declared below).
import { ApiError } from '$shared/rpc';
import { checkedClassName, csvField, parseCsv, unescaped } from './labels-csv';
import { labelFileReader } from './label-file';
import {
  checkClassCount,
  checkLabelCells,
  type ClassEntry,
  type ExchangeFile,
  type ExchangeFormat,
  type ExchangeProblem,
  type ExchangeRecord,
} from './records';

export const oneHotCsvFormat: ExchangeFormat = {
  id: 'one-hot-csv',
  title: 'One-hot CSV (Roboflow multi-label _classes.csv)',
  layout: 'file',
  extensions: ['csv'],
  // labels.csv also starts with `filename`: its header is told apart by its fixed column names.
  detect: (_path, text) => {
    const header = /^\uFEFF?([^\r\n]*)/.exec(text)![1]!;
    return (
      /^"?filename"?\s*,/i.test(header) && !/^filename\s*,\s*classes\s*(,\s*negatives\s*)?$/i.test(header)
    );
  },
  read: labelFileReader(parseOneHotCsv),
  write: (data) => new Map([['', formatOneHotCsv(data)]]),
  loses: ['unknown', 'sources', 'scores', 'splits'],
};

const states = new Map<string, ClassEntry['state']>([
  ['1', 'positive'],
  ['0', 'negative'],
]);

/**
 * Spaces around an unquoted cell are the writer's padding (Roboflow's `, `); a quoted one is kept
 * byte for byte, as labels.csv reads it.
 */
const cellText = (cell: { value: string; quoted: boolean }): string =>
  cell.quoted ? cell.value : cell.value.trim();

export function parseOneHotCsv(text: string, source = '_classes.csv'): ExchangeFile {
  const fail = (line: number, why: string): never => {
    throw new ApiError('bad_input', `one-hot-csv ${source} line ${line}: ${why}`);
  };
  if (text.includes('\u0000')) fail(1, 'binary data, not a CSV file');
  const [head, ...rows] = parseCsv(text, fail);
  const header = (head?.cells ?? []).map((cell) => unescaped(cellText(cell)));
  if (header[0]?.toLowerCase() !== 'filename' || header.length < 2) {
    fail(1, `expected the header "filename, <class>, <class>, …", found "${header.join(',')}"`);
  }
  const classes = header.slice(1).map((name) => checkedClassName(name, 1, fail));
  const distinct = new Set<string>();
  for (const name of classes) {
    if (distinct.has(name)) fail(1, `class "${name}" has two columns`);
    distinct.add(name);
    checkClassCount(distinct.size, name, (why) => fail(1, why));
  }
  const records: ExchangeRecord[] = [];
  const skipped: ExchangeProblem[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of rows) {
    if (cells.length === 1 && !cells[0]!.quoted && cells[0]!.value.trim() === '') continue;
    if (cells.length !== header.length)
      fail(
        line,
        `expected ${header.length} columns (filename and ${classes.length} classes), found ${cells.length}`,
      );
    checkLabelCells(records.length + 1, classes.length, (why) => fail(line, why));
    const name = unescaped(cellText(cells[0]!));
    if (name === '') fail(line, 'empty filename');
    const previous = seen.get(name);
    if (previous !== undefined) fail(line, `${name} is listed again (first on line ${previous})`);
    seen.set(name, line);
    const entries = new Map<string, ClassEntry>();
    classes.forEach((className, index) => {
      const value = cellText(cells[index + 1]!);
      const state = states.get(value);
      if (state) entries.set(className, { state });
      else if (value !== '')
        skipped.push({ at: `line ${line}, ${className}`, reason: `${JSON.stringify(value)} is not 0 or 1` });
    });
    const original = originalName(name);
    records.push({
      name,
      ...(original !== name && { fallbackName: original }),
      classes: entries,
      at: `line ${line}`,
    });
  }
  if (records.length === 0) fail(1, 'no rows after the header');
  return { format: oneHotCsvFormat.id, classes, records, skipped };
}

/**
 * Roboflow renames each exported photo `<stem>_<ext>.rf.<hash>.<ext>` (`000005_jpg.rf.3f2a….jpg`)
 * and lists it by that name. The photos may still be Roboflow's (its export folder, imported as it
 * is) or the originals the project was made from: the name as written is matched first and the
 * original only where it matches nothing. Any other name, even one with `.rf.` in it, is its own.
 */
function originalName(name: string): string {
  return name.replace(/_([A-Za-z0-9]+)\.rf\.[0-9a-f]{8,}\.[A-Za-z0-9]+$/, '.$1');
}

/** Roboflow's layout: a space after each comma, 1 for positive and 0 for anything else. */
export function formatOneHotCsv(data: ExchangeFile): string {
  const lines = data.records.map((record) =>
    [
      csvField(record.name),
      ...data.classes.map((name) => (record.classes.get(name)?.state === 'positive' ? '1' : '0')),
    ].join(', '),
  );
  return [['filename', ...data.classes].map(csvField).join(', '), ...lines].join('\n') + '\n';
}
