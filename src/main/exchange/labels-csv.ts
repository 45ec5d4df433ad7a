// The labels.csv exchange format: a header `filename,classes`, then one row per photo with its
// positive classes joined by `|`. A listed photo is labelled completely: each class named anywhere
// in the file and absent from its row is negative for it.
import { readFile } from 'node:fs/promises';
import { operations } from '../../shared/contract';
import { ApiError } from '../../shared/rpc';
import { describeFsError } from '../library/scan';

export interface LabelsCsv {
  /** Every class named in the file, in order of first appearance. */
  classes: string[];
  rows: { filename: string; classes: string[] }[];
}

export async function readLabelsCsv(file: string): Promise<LabelsCsv> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ApiError('bad_input', `cannot read labels file ${file}: ${describeFsError(error)}`);
  }
  return parseLabelsCsv(text, file);
}

export function parseLabelsCsv(text: string, source = 'labels.csv'): LabelsCsv {
  const fail = (line: number, why: string): never => {
    throw new ApiError('bad_input', `${source} line ${line}: ${why}`);
  };
  if (text.includes('\u0000')) fail(1, 'binary data, not a CSV file');
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '', 1, fail).map((cell) => cell.trim().toLowerCase());
  if (header.length !== 2 || header[0] !== 'filename' || header[1] !== 'classes') {
    fail(1, `expected the header "filename,classes", found "${lines[0] ?? ''}"`);
  }
  const classes = new Set<string>();
  const rows: LabelsCsv['rows'] = [];
  const seen = new Map<string, number>();
  lines.slice(1).forEach((line, index) => {
    const lineNo = index + 2;
    if (line.trim() === '') return;
    const cells = splitCsvLine(line, lineNo, fail);
    if (cells.length !== 2) fail(lineNo, `expected 2 columns (filename,classes), found ${cells.length}`);
    const filename = cells[0]!.trim();
    if (filename === '') fail(lineNo, 'empty filename');
    const previous = seen.get(filename);
    if (previous !== undefined) fail(lineNo, `${filename} is listed again (first on line ${previous})`);
    seen.set(filename, lineNo);
    const names = cells[1]!.split('|').map((name) => name.trim());
    if (cells[1]!.trim() === '') names.length = 0;
    if (names.some((name) => name === '')) fail(lineNo, 'empty class name in the classes list');
    for (const name of names) {
      if (classes.has(name)) continue;
      const problem = classNameProblem(name);
      if (problem) fail(lineNo, problem);
      classes.add(name);
    }
    rows.push({ filename, classes: [...new Set(names)] });
  });
  if (rows.length === 0) fail(1, 'no rows after the header');
  return { classes: [...classes], rows };
}

/** A class the file names must be one the API could create: the contract's rule for a name. */
function classNameProblem(name: string): string | null {
  const checked = operations.createClass.input.shape.name.safeParse(name);
  const issue = checked.error?.issues[0];
  if (!issue) return null;
  return issue.code === 'too_big'
    ? `class name of ${name.length.toLocaleString('en')} characters; at most ${issue.maximum}`
    : `class name "${name}": ${issue.message}`;
}

/** RFC 4180 fields: quoted fields may hold commas and doubled quotes. */
function splitCsvLine(line: string, lineNo: number, fail: (line: number, why: string) => never): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  if (quoted) fail(lineNo, 'unterminated quoted field');
  cells.push(cell);
  return cells;
}

/** One CSV field, quoted when it holds a comma, a quote or a line break. */
export const csvField = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

export function formatLabelsCsv(rows: { filename: string; classes: string[] }[]): string {
  const lines = rows.map((row) => `${csvField(row.filename)},${csvField(row.classes.join('|'))}`);
  return ['filename,classes', ...lines].join('\n') + '\n';
}
