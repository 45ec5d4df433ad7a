// A single-file label format's input: the file's text, read within bounds, then parsed.
import { ApiError } from '$shared/rpc';
import { maxLabelFileBytes, NotRegularFile, readRegularFile } from '../files/regular-file';
import type { ExchangeFile } from './records';

/**
 * The text of a label file, read whole: a regular file of at most maxLabelFileBytes, so that a FIFO
 * or /dev/zero named as one is refused at once. `shown` is how a refusal names it.
 */
export async function readLabelText(path: string, shown = `labels file ${path}`): Promise<string> {
  try {
    return (await readRegularFile(path, maxLabelFileBytes)).bytes.toString('utf8');
  } catch (error) {
    if (error instanceof NotRegularFile)
      throw new ApiError('bad_input', `cannot read ${shown}: ${error.message}`);
    throw error;
  }
}

/** A single-file format's reader: the file's text, parsed; a file that cannot be read says why. */
export function labelFileReader(
  parse: (text: string, source: string) => ExchangeFile,
): (path: string) => Promise<ExchangeFile> {
  return async (path) => parse(await readLabelText(path), path);
}
