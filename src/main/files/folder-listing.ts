// What the folder browser shows of one folder: its subfolders with the photos in each, and the
// files a person picks in this app (projects and label files). Photos are counted, not listed:
// they are imported a folder at a time.
import { opendir, readdir, stat } from 'node:fs/promises';
import { extname, join, parse, sep } from 'node:path';
import type { FolderListing } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { mapOrdered } from '../concurrency';
import { labelFileExtensions } from '../exchange/formats';
import { isPhotoName } from '../library/scan';
import { describeFsError } from './fs-errors';

export async function listFolder(path: string, home: string): Promise<FolderListing> {
  const info = await stat(path).catch((error: unknown) => {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ApiError(
      'bad_input',
      `cannot open folder ${path}: ${missing ? 'it does not exist' : describeFsError(error)}`,
    );
  });
  if (!info.isDirectory()) throw new ApiError('bad_input', `${path} is not a folder`);
  const listing: FolderListing = {
    path,
    home,
    crumbs: crumbsOf(path),
    folders: [],
    projects: [],
    labelFiles: [],
    images: 0,
  };
  const subfolders: string[] = [];
  try {
    for await (const entry of await opendir(path)) {
      if (entry.name.startsWith('.')) continue;
      const kind = entry.isSymbolicLink() ? await linkedKind(join(path, entry.name)) : entry;
      if (kind?.isDirectory()) subfolders.push(entry.name);
      else if (!kind?.isFile()) continue;
      else if (isPhotoName(entry.name)) listing.images += 1;
      else if (/\.sqlite$/i.test(entry.name)) listing.projects.push(pathEntry(path, entry.name));
      else if (labelFileExtensions.includes(extname(entry.name).slice(1).toLowerCase()))
        listing.labelFiles.push(pathEntry(path, entry.name));
    }
  } catch (error) {
    throw new ApiError('bad_input', `cannot read folder ${path}: ${describeFsError(error)}`);
  }
  const byName = (a: { name: string }, b: { name: string }) =>
    a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' });
  subfolders.sort((a, b) => byName({ name: a }, { name: b }));
  for await (const folder of mapOrdered(subfolders, 8, async (name) => ({
    ...pathEntry(path, name),
    images: await photosIn(join(path, name)),
  })))
    listing.folders.push(folder);
  listing.projects.sort(byName);
  listing.labelFiles.sort(byName);
  return listing;
}

const pathEntry = (folder: string, name: string) => ({ name, path: join(folder, name) });

/** What a link leads to; null when it leads nowhere. */
const linkedKind = (path: string) => stat(path).catch(() => null);

/** Photo files right in a folder, by name; null when the folder cannot be read. */
async function photosIn(folder: string): Promise<number | null> {
  try {
    return (await readdir(folder)).filter(isPhotoName).length;
  } catch {
    return null;
  }
}

/** The root, then each folder down to `path`. */
function crumbsOf(path: string): FolderListing['crumbs'] {
  const { root } = parse(path);
  const crumbs = [{ name: root, path: root }];
  let at = root;
  for (const name of path.slice(root.length).split(sep).filter(Boolean)) {
    at = join(at, name);
    crumbs.push({ name, path: at });
  }
  return crumbs;
}
