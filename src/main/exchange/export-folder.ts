// A folder export (VOC, imagefolder, FiftyOne) is written whole into a new folder beside its
// target and renamed into place only once complete, so a failure (a full disk mid-copy) leaves
// nothing behind, and no file of the target is written over one by one. A manifest marks the
// folder as an export of its project: the only non-empty folder an export may replace, and only
// while it holds nothing but what that export wrote.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { plural } from '$shared/plural';
import { ApiError } from '$shared/rpc';
import { mapOrdered } from '../concurrency';
import { maxLabelFileBytes, maxPhotoBytes, openRegularFile, readRegularFile } from '../files/regular-file';
import { describeFsError } from '../files/fs-errors';
import { partialPathBeside } from '../files/partial';

/** The manifest's name in an export folder: hidden, so that the formats' loaders pass over it. */
export const manifestName = '.csra-studio-export.json';

interface ExportManifest {
  /** The real path of the project exported. */
  project: string;
  format: string;
  /** Every file the export wrote, relative to its folder, the manifest aside. */
  files: string[];
}

export interface FolderContent {
  /** The format's own files, by path relative to the folder. */
  files: ReadonlyMap<string, string>;
  /** The photos a layout holds beside its labels: path relative to the folder → the photo's file. */
  copies: ReadonlyMap<string, string>;
}

/**
 * Writes `content` as the folder `out` (a real path): a new or empty folder, or an earlier export
 * of the same project, which is replaced whole.
 */
export async function writeExportFolder(
  out: string,
  manifest: Omit<ExportManifest, 'files'>,
  content: FolderContent,
): Promise<void> {
  const names = outputNames(manifest.format, content);
  const replacing = await earlierExport(out, manifest.project);
  const partial = partialPathBeside(out);
  await makeFolder(dirname(out));
  await makeFolder(partial);
  try {
    for (const [path, text] of content.files) await writeInside(partial, path, text);
    await copyPhotos(partial, content.copies);
    await writeInside(partial, manifestName, JSON.stringify({ ...manifest, files: names }) + '\n');
    await (replacing ? replaceFolder(partial, out) : rename(partial, out)).catch((error: unknown) => {
      throw new ApiError('io_error', `cannot write ${out}: ${describeFsError(error)}`);
    });
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

/** Every path the export writes, refused when two outputs would share one. */
function outputNames(format: string, { files, copies }: FolderContent): string[] {
  const owner = new Map<string, string>([[manifestName, 'the export manifest']]);
  const claim = (path: string, what: string) => {
    const other = owner.get(path);
    if (other !== undefined)
      throw new ApiError('bad_input', `${format}: ${other} and ${what} would both be ${path}; rename one`);
    owner.set(path, what);
  };
  for (const path of files.keys()) claim(path, `its ${path}`);
  for (const [path, source] of copies) claim(path, `the photo ${source}`);
  owner.delete(manifestName);
  return [...owner.keys()].sort();
}

/**
 * Whether `out` holds an earlier export of this project, to be replaced; false for a folder that
 * is not there or empty. Anything else is refused: a file, a folder of other files, another
 * project's export, or an export with files added since.
 */
async function earlierExport(out: string, project: string): Promise<boolean> {
  const refuse = (why: string): never => {
    throw new ApiError('conflict', `${out} ${why}`);
  };
  const entries = await readdir(out, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') return refuse('is a file; a folder export needs a new or empty folder');
    throw new ApiError('io_error', `cannot read ${out}: ${describeFsError(error)}`);
  });
  if (entries.length === 0) return false;
  const manifest = await readManifest(join(out, manifestName));
  if (!manifest) return refuse('is not empty and is no export of this project; choose a new or empty folder');
  if (manifest.project !== project)
    refuse(`holds an export of another project (${manifest.project}); choose a new or empty folder`);
  const written = new Set([...manifest.files, manifestName]);
  const others = entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(out, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => !written.has(path));
  if (others.length > 0)
    refuse(
      `holds ${plural(others.length, 'file')} its earlier export did not write (${others[0]}); ` +
        'remove them or choose another folder',
    );
  return true;
}

function isExportManifest(value: unknown): value is ExportManifest {
  const manifest = value as Partial<Record<keyof ExportManifest, unknown>> | null;
  return (
    typeof manifest?.project === 'string' &&
    Array.isArray(manifest.files) &&
    manifest.files.every((file: unknown) => typeof file === 'string')
  );
}

async function readManifest(path: string): Promise<ExportManifest | null> {
  try {
    const manifest: unknown = JSON.parse(
      (await readRegularFile(path, maxLabelFileBytes)).bytes.toString('utf8'),
    );
    return isExportManifest(manifest) ? manifest : null;
  } catch {
    return null;
  }
}

/** Sets the earlier export aside, puts the new one in its place, then removes the earlier one. */
async function replaceFolder(partial: string, out: string): Promise<void> {
  const earlier = partialPathBeside(out, 'replaced');
  await rename(out, earlier);
  try {
    await rename(partial, out);
  } catch (error) {
    await rename(earlier, out);
    throw error;
  }
  await rm(earlier, { recursive: true, force: true });
}

/** Where under `folder` a writer's file goes; one that would land outside is a bug, not a path. */
function inside(folder: string, path: string): string {
  if (isAbsolute(path) || normalize(path).split(sep).includes('..'))
    throw new Error(`a writer named ${path}, outside its output folder`);
  return join(folder, path);
}

async function makeFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true }).catch((error: unknown) => {
    throw new ApiError('io_error', `cannot write ${folder}: ${describeFsError(error)}`);
  });
}

async function writeInside(folder: string, path: string, text: string): Promise<void> {
  const target = inside(folder, path);
  await makeFolder(dirname(target));
  await writeFile(target, text, { flag: 'wx' }).catch((error: unknown) => {
    throw new ApiError('io_error', `cannot write ${path}: ${describeFsError(error)}`);
  });
}

/**
 * Copies each photo to its place in the new folder. Only that folder is written, so no copy can
 * read a file another is writing; a photo is read only as a regular file (a FIFO or a device put
 * in its place would block or never end).
 */
async function copyPhotos(folder: string, copies: ReadonlyMap<string, string>): Promise<void> {
  // Each folder made once, the copies into it waiting on that.
  const folders = new Map<string, Promise<void>>();
  const copy = async ([path, source]: [string, string]): Promise<void> => {
    const target = inside(folder, path);
    if (!folders.has(dirname(target))) folders.set(dirname(target), makeFolder(dirname(target)));
    await folders.get(dirname(target));
    try {
      const { file } = await openRegularFile(source, maxPhotoBytes);
      await pipeline(file.createReadStream(), createWriteStream(target, { flags: 'wx' }));
    } catch (error) {
      throw new ApiError('io_error', `cannot copy ${source} to ${path}: ${describeFsError(error)}`);
    }
  };
  // Several copies in flight: each waits mostly on the disk.
  for await (const _ of mapOrdered([...copies], copiesInFlight, copy));
}

const copiesInFlight = 16;
