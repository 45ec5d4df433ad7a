import { constants } from 'node:fs';
import { access, opendir, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { ApiError } from '../../shared/rpc';

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
  /** Folders and entries that could not be read, with the reason. */
  problems: { path: string; reason: string }[];
}

/**
 * Walks a folder recursively. Symlinked folders are followed once (a cycle is not); entries with a
 * photo extension are candidates, everything else is ignored.
 */
export async function scanFolder(root: string): Promise<ScanResult> {
  const photos: string[] = [];
  const problems: ScanResult['problems'] = [];
  const visited = new Set<string>();

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
      if (entry.isDirectory()) {
        subfolders.push(path);
      } else if (entry.isSymbolicLink()) {
        try {
          const target = await stat(path);
          if (target.isDirectory()) subfolders.push(path);
          else if (isPhotoName(entry.name)) photos.push(path);
        } catch (error) {
          if (isPhotoName(entry.name))
            problems.push({ path, reason: `broken symbolic link: ${describeFsError(error)}` });
        }
      } else if (entry.isFile() && isPhotoName(entry.name)) {
        photos.push(path);
      }
    }
    for (const subfolder of subfolders) await walk(subfolder);
  }

  await walk(root);
  photos.sort();
  return { photos, problems };
}

export function isPhotoName(name: string): boolean {
  return !name.startsWith('.') && photoExtensions.has(extname(name).toLowerCase());
}

export function describeFsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a folder';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return message;
  }
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
