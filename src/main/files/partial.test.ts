import { mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/fixtures/workspace';
import { partialPathBeside, writeFileWhole } from './partial';

describe('a partial path', () => {
  it('lies beside its destination, hidden, and is new each time it is asked for', () => {
    const destination = '/projects/cats/labels.csv';
    const first = partialPathBeside(destination);
    expect(dirname(first)).toBe('/projects/cats');
    expect(basename(first)).toMatch(/^\.labels\.csv\.[0-9a-f]{12}\.partial$/);
    expect(partialPathBeside(destination)).not.toBe(first);
    expect(basename(partialPathBeside(destination, 'replaced'))).toMatch(/\.replaced$/);
  });
});

describe('a file written whole', () => {
  it('replaces the file and leaves nothing beside it', async () => {
    const dir = await tempDir();
    const file = join(dir, 'settings.json');
    await writeFileWhole(file, 'first');
    await writeFileWhole(file, 'second');
    expect(await readFile(file, 'utf8')).toBe('second');
    expect(await readdir(dir)).toEqual(['settings.json']);
  });

  it('that cannot be put in place leaves the earlier file as it was and no partial file', async () => {
    const dir = await tempDir();
    const file = join(dir, 'taken');
    // A folder where the file should go: the rename fails after the partial file is written.
    await mkdir(file);
    await expect(writeFileWhole(file, 'bytes')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['taken']);
  });
});
