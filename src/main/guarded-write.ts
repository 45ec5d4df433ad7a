// Every file written at a path a request names goes through here: it may not be one of the open
// project's own files, it is never written over an existing file (one that is there may be a photo
// or another tool's work), and it is written whole or not at all, so a failed write never leaves a
// truncated file behind.
import { lstat, open, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ApiError } from '$shared/rpc';
import { thumbnailFolder } from './library/thumbnails';
import { describeFsError } from './files/fs-errors';
import { versionsFolder } from './paths';
import { featureCacheFolder } from './training/feature-cache';
import { partialPathBeside } from './files/partial';

/** What a project keeps at its path: the database, SQLite's files beside it, and our folders. */
export function projectOwnPaths(projectPath: string): { files: string[]; folders: string[] } {
  const file = resolve(projectPath);
  return {
    files: [file, `${file}-wal`, `${file}-shm`, `${file}-journal`],
    folders: [thumbnailFolder(file), featureCacheFolder(file), versionsFolder(file)],
  };
}

/**
 * The path with every symbolic link resolved. For a file that does not exist yet, its nearest
 * existing folder is resolved, since a link there decides where the file would land.
 */
export async function realPathOf(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch (error) {
    const parent = dirname(absolute);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === absolute) throw error;
    return join(await realPathOf(parent), basename(absolute));
  }
}

/**
 * Where a write to `target` would really land, refused when that is one of the project's own files
 * or inside one of its folders, whichever way a link, `..` or the project's own link leads there.
 */
export async function guardOutputPath(projectPath: string, target: string): Promise<string> {
  const real = await realPathOf(target).catch((error: unknown) => {
    throw new ApiError('io_error', `cannot write ${target}: ${describeFsError(error)}`);
  });
  // The project seen through its folder and, if the project file is itself a link, at its target.
  const file = resolve(projectPath);
  const seen = [join(await realPathOf(dirname(file)), basename(file)), await realPathOf(file)];
  for (const project of new Set(seen)) {
    const { files, folders } = projectOwnPaths(project);
    const inFolder = async (folder: string) =>
      [folder, await realPathOf(folder)].some((path) => real === path || real.startsWith(path + sep));
    if (files.includes(real) || (await Promise.all(folders.map(inFolder))).includes(true))
      throw new ApiError('conflict', `${target} is the project's own file; choose another output path`);
  }
  return real;
}

/**
 * Writes each file of `files` (path → text), all of them or none: every path is checked before any
 * is written, none may exist yet, and a failure removes those already written.
 */
export async function writeNewFiles(projectPath: string, files: ReadonlyMap<string, string>): Promise<void> {
  const reals = new Map<string, string>();
  for (const target of files.keys()) {
    reals.set(target, await guardOutputPath(projectPath, target));
    // lstat: a link, even one leading nowhere, is something there.
    if (await lstat(target).catch(() => null)) throw alreadyThere(target);
  }
  const written: string[] = [];
  try {
    for (const [target, text] of files) {
      await writeNewFile(target, reals.get(target)!, text);
      written.push(reals.get(target)!);
    }
  } catch (error) {
    await Promise.all(written.map((real) => rm(real, { force: true })));
    throw error;
  }
}

const alreadyThere = (target: string) =>
  new ApiError('conflict', `${target} already exists; an export writes only new files: choose another name`);

/**
 * Writes `data` to `target`, which lands at `real`, through a temporary file beside it, synced, then
 * renamed into place. The name is taken first (created exclusively), so a file that appears there
 * meanwhile is not replaced.
 */
async function writeNewFile(target: string, real: string, data: string): Promise<void> {
  const failed = (error: unknown): never => {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyThere(target);
    throw new ApiError('io_error', `cannot write ${target}: ${describeFsError(error)}`);
  };
  await (await open(real, 'wx').catch(failed)).close();
  const partial = partialPathBeside(real);
  try {
    const file = await open(partial, 'wx');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(partial, real);
  } catch (error) {
    await Promise.all([rm(partial, { force: true }), rm(real, { force: true })]);
    failed(error);
  }
}
