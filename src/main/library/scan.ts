// Finding the photos under a folder, following links once and saying what it passed over and why.
import { constants, type Dirent, type Stats } from 'node:fs';
import { access, opendir, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { ApiError } from '$shared/rpc';
import { describeFsError } from '../files/fs-errors';
import { describeNotRegular } from '../files/regular-file';

/** Extensions import considers photos; sharp decides whether each one really is. */
export const photoExtensions = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.png',
  '.webp',
  '.tif',
  '.tiff',
  '.gif',
  '.avif',
  '.heic',
  '.heif',
]);

export interface ScanResult {
  /** Absolute paths of candidate photos, sorted. */
  photos: string[];
  /** Folders, and entries named like photos, that cannot be read, with the reason. */
  problems: { path: string; reason: string }[];
  /** How many files were passed over for not being named like photos. */
  otherFiles: number;
}

/**
 * Walks a folder recursively. Symlinked folders are followed once (a cycle is not); regular files
 * with a photo extension, reached directly or through links, are candidates. An entry named like a
 * photo that is anything else (a FIFO, a device, a socket) is a problem: reading one could block a
 * thread for good or never end. Everything else is passed over, and counted.
 */
export async function scanFolder(root: string): Promise<ScanResult> {
  const photos: string[] = [];
  const problems: ScanResult['problems'] = [];
  const visited = new Set<string>();
  let otherFiles = 0;

  async function walk(folder: string): Promise<void> {
    let dir;
    try {
      const real = await realpath(folder);
      if (visited.has(real)) return;
      visited.add(real);
      dir = await opendir(folder);
    } catch (error) {
      problems.push({ path: folder, reason: `unreadable folder: ${describeFsError(error)}` });
      return;
    }
    const subfolders: string[] = [];
    for await (const entry of dir) {
      const path = join(folder, entry.name);
      let target: Stats | Dirent = entry;
      if (entry.isSymbolicLink()) {
        try {
          target = await stat(path);
        } catch (error) {
          if (isPhotoName(entry.name))
            problems.push({ path, reason: `broken symbolic link: ${describeFsError(error)}` });
          else otherFiles += 1;
          continue;
        }
      }
      if (target.isDirectory()) subfolders.push(path);
      else if (!isPhotoName(entry.name)) otherFiles += 1;
      else if (target.isFile()) photos.push(path);
      else
        problems.push({
          path,
          reason: `${target === entry ? '' : 'symbolic link to '}${describeNotRegular(target)}`,
        });
    }
    for (const subfolder of subfolders) await walk(subfolder);
  }

  await walk(root);
  photos.sort();
  return { photos, problems, otherFiles };
}

export function isPhotoName(name: string): boolean {
  return !name.startsWith('.') && photoExtensions.has(extname(name).toLowerCase());
}

/** The absolute path of a folder this process can list, or a bad_input error saying why not. */
export async function readableFolder(path: string): Promise<string> {
  const folder = resolve(path);
  const info = await stat(folder).catch((error: unknown) => {
    throw new ApiError('bad_input', `cannot open folder ${folder}: ${describeFsError(error)}`);
  });
  if (!info.isDirectory()) throw new ApiError('bad_input', `${folder} is not a folder`);
  await access(folder, constants.R_OK | constants.X_OK).catch((error: unknown) => {
    throw new ApiError('bad_input', `cannot read folder ${folder}: ${describeFsError(error)}`);
  });
  return folder;
}
