// Files and folders are written under a temporary name beside where they belong, then renamed into
// place once whole: a crash or a full disk never leaves half of one under its real name.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A temporary name beside `path`: in its folder, so the rename stays on one file system; unique, as
 * two writers may write one path at once; hidden (a leading dot), so no listing or scan takes it
 * for a photo or a project's file. `suffix` says what the file is: being written, or set aside.
 */
export function partialPathBeside(path: string, suffix: 'partial' | 'replaced' = 'partial'): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.${suffix}`);
}

/** Writes `data` to `path` whole or not at all; a failed write removes what it had written. */
export async function writeFileWhole(path: string, data: string | Uint8Array): Promise<void> {
  const partial = partialPathBeside(path);
  try {
    await writeFile(partial, data);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
