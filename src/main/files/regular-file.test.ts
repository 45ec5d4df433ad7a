import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vocImages } from '../../../test/fixtures/paths';
import { tempDir } from '../../../test/fixtures/workspace';
import { maxPhotoBytes, NotRegularFile, readRegularFile } from './regular-file';

describe('reading a file whole', () => {
  it('gives a regular file byte for byte, also through a link, with its own stat', async () => {
    const dir = await tempDir();
    const photo = join(vocImages, '000005.jpg');
    const link = join(dir, 'link.jpg');
    await symlink(photo, link);
    const { bytes, info } = await readRegularFile(link, maxPhotoBytes);
    expect(bytes.equals(await readFile(photo))).toBe(true);
    expect(info.size).toBe(bytes.length);
  });

  it('refuses a FIFO at once, with no writer ever coming, named directly or through a link', async () => {
    const dir = await tempDir();
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await symlink(fifo, join(dir, 'x1.jpg'));
    for (const path of [fifo, join(dir, 'x1.jpg')]) {
      const refusal = readRegularFile(path, maxPhotoBytes);
      await expect(refusal).rejects.toBeInstanceOf(NotRegularFile);
      await expect(refusal).rejects.toThrow(/^is a named pipe \(FIFO\), not a regular file$/);
    }
  });

  it('refuses a link to /dev/zero, which never ends, without reading from it', async () => {
    const link = join(await tempDir(), 'zero.jpg');
    await symlink('/dev/zero', link);
    await expect(readRegularFile(link, maxPhotoBytes)).rejects.toThrow(
      /^is a character device, not a regular file$/,
    );
  });

  it('refuses a folder', async () => {
    const folder = join(await tempDir(), 'album.jpg');
    await mkdir(folder);
    await expect(readRegularFile(folder, maxPhotoBytes)).rejects.toThrow(/^is a folder, not a regular file$/);
  });

  it('refuses a file over the cap before reading any of it (a sparse file of 1 GiB)', async () => {
    const huge = join(await tempDir(), 'huge.jpg');
    await writeFile(huge, '');
    await truncate(huge, 2 * maxPhotoBytes);
    await expect(readRegularFile(huge, maxPhotoBytes)).rejects.toThrow(
      /^is 1073741824 bytes, over the 512 MiB a file read whole may hold$/,
    );
  });

  it('says why a file cannot be opened at all, and that it could not', async () => {
    const refusal = await readRegularFile(join(await tempDir(), 'gone.jpg'), maxPhotoBytes).catch(
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(NotRegularFile);
    expect(refusal).toMatchObject({ message: 'no such file', info: undefined });
  });
});
