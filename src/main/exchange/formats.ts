// Every label format the app speaks, in one table: the CLI, the contract, the UI and the tests list
// and use these, so a format added here is everywhere at once.
import { stat } from 'node:fs/promises';
import { ApiError } from '$shared/rpc';
import { describeFsError } from '../files/fs-errors';
import { cocoFormat } from './coco';
import { cvatFormat } from './cvat';
import { fiftyoneFormat } from './fiftyone';
import { imagefolderFormat } from './imagefolder';
import { jsonlFormat } from './jsonl';
import { readLabelText } from './label-file';
import { labelStudioFormat } from './label-studio';
import { labelsCsvFormat } from './labels-csv';
import { oneHotCsvFormat } from './one-hot-csv';
import type { ExchangeFile, ExchangeFormat, ReadOptions } from './records';
import { vocFormat } from './voc';

/**
 * The lossless project file first: it is the default export. Detection asks in this order, so a
 * format whose content another's also matches comes first (labels.csv before any one-hot CSV,
 * Label Studio, whose tasks may hold `annotations`, before COCO).
 */
export const exchangeFormats: readonly ExchangeFormat[] = [
  jsonlFormat,
  labelsCsvFormat,
  oneHotCsvFormat,
  labelStudioFormat,
  cocoFormat,
  cvatFormat,
  vocFormat,
  imagefolderFormat,
  fiftyoneFormat,
];

/** What the label files the app reads end with: the file pickers offer these. */
export const labelFileExtensions: readonly string[] = [
  ...new Set(exchangeFormats.filter((format) => format.read).flatMap((format) => format.extensions)),
];

export function findFormat(id: string, use: 'read' | 'write'): ExchangeFormat {
  const format = exchangeFormats.find((candidate) => candidate.id === id);
  if (format?.[use]) return format;
  const able = exchangeFormats.filter((candidate) => candidate[use]).map((candidate) => candidate.id);
  throw new ApiError(
    'bad_input',
    `${format ? `format "${id}" cannot be ${use === 'read' ? 'imported' : 'exported'}` : `unknown format "${id}"`}` +
      ` (${use === 'read' ? 'import' : 'export'}: ${able.join(', ')})`,
  );
}

/**
 * The format of the file or folder at `path`, told by its content; refused when none claims it. A
 * file is read whole, so a format is told by its structure wherever in the file it shows (an
 * official COCO file names its categories after megabytes of images and annotations).
 */
export async function detectFormat(path: string): Promise<ExchangeFormat> {
  let isFile: boolean;
  try {
    isFile = !(await stat(path)).isDirectory();
  } catch (error) {
    throw new ApiError('bad_input', `cannot read labels file ${path}: ${describeFsError(error)}`);
  }
  const text = isFile ? await readLabelText(path) : '';
  const found = exchangeFormats.find((format) => format.read && format.detect?.(path, text));
  if (found) return found;
  throw new ApiError(
    'bad_input',
    `${path}: not a label file of any known format (${exchangeFormats
      .filter((format) => format.read)
      .map((format) => format.id)
      .join(', ')}); name the format to see why it does not read`,
  );
}

/** Reads a label file in the named format, or the one its content shows with 'auto'. */
export async function readLabelFile(
  path: string,
  formatId = 'auto',
  options: ReadOptions = { difficult: 'unknown' },
): Promise<ExchangeFile> {
  const format = formatId === 'auto' ? await detectFormat(path) : findFormat(formatId, 'read');
  return format.read!(path, options);
}
