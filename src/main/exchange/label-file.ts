import { readFile } from 'node:fs/promises';
import { ApiError } from '../../shared/rpc';
import { describeFsError } from '../library/scan';
import type { ExchangeFile } from './records';

/** A single-file format's reader: the file's text, parsed; a file that cannot be read says why. */
export function labelFileReader(
  parse: (text: string, source: string) => ExchangeFile,
): (path: string) => Promise<ExchangeFile> {
  return async (path) => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ApiError('bad_input', `cannot read labels file ${path}: ${describeFsError(error)}`);
    }
    return parse(text, path);
  };
}
