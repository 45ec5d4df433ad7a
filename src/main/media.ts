// Photo and thumbnail bytes for media URLs: by id only, and only while the file is the one imported.
import sharp from 'sharp';
import { ApiError } from '$shared/rpc';
import { getImage, recordChangedOnDisk, type ImageRecord } from './db/images';
import {
  maxPhotoBytes,
  NotRegularFile,
  openRegularFile,
  readOpenFile,
  readRegularFile,
} from './files/regular-file';
import { decodePhoto } from './library/photo';
import { writeThumbnail } from './library/thumbnails';
import type { Project } from './project';

export type MediaKind = 'thumb' | 'photo';

export interface Media {
  bytes: Buffer;
  type: string;
}

// Formats every Chromium displays as they are; others (TIFF, HEIF) are converted on the way out.
const browserTypes: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};

/**
 * The bytes behind a media URL. Only photos of the open project are reachable, and only by id:
 * no transport ever turns a requested path into a file read.
 */
export async function readMedia(
  project: Project | null,
  kind: MediaKind,
  id: number,
  /** Told when a photo is marked as changed on disk, or the mark is lifted. */
  markChanged: (imageId: number) => void = () => undefined,
): Promise<Media> {
  if (!project) throw new ApiError('no_project', 'no project is open');
  const image = getImage(project.db, id);
  if (!image) throw new ApiError('not_found', `no photo ${id} in this project`);
  if (kind === 'thumb') {
    const bytes = await readRegularFile(project.thumbnailPath(image.sha256), maxPhotoBytes).then(
      ({ bytes }) => bytes,
      (error: unknown) => {
        if (error instanceof NotRegularFile && error.code === 'ENOENT')
          return rebuildThumbnail(project, image, markChanged);
        throw new ApiError('not_found', `photo ${id} has no thumbnail: ${(error as Error).message}`);
      },
    );
    return { bytes, type: 'image/webp' };
  }
  const bytes = await readImportedPhoto(project, image, markChanged);
  const type = browserTypes[image.format];
  if (type) return { bytes, type };
  try {
    return { bytes: await sharp(bytes).rotate().webp({ quality: 90 }).toBuffer(), type: 'image/webp' };
  } catch (error) {
    throw new ApiError('io_error', `cannot read photo ${id}: ${(error as Error).message}`);
  }
}

/**
 * A photo's bytes, if its file is still the one the import read: a regular file of the size and
 * modification time the import recorded (and a mark on the photo if not). A link is followed, as the
 * import followed one, so a link swapped in for the photo leads to a file of another size or time.
 * The checks and the read go through one open file: the path cannot be swapped between them.
 */
async function readImportedPhoto(
  project: Project,
  image: ImageRecord,
  markChanged: (imageId: number) => void,
): Promise<Buffer> {
  const cannotRead = (error: unknown) =>
    new ApiError('io_error', `cannot read photo ${image.id}: ${(error as Error).message}`);
  // Something there that is not a photo to read (a FIFO, a folder) is a change; no file is an error.
  const opened = await openRegularFile(image.path, maxPhotoBytes).catch((error: unknown) => {
    if (error instanceof NotRegularFile && error.info) return null;
    throw cannotRead(error);
  });
  try {
    const unchanged =
      opened !== null &&
      opened.info.size === image.bytes &&
      (image.modifiedAt === null || opened.info.mtime.toISOString() === image.modifiedAt);
    if (unchanged === image.changedOnDisk) {
      recordChangedOnDisk(project.db, image.id, !unchanged);
      markChanged(image.id);
    }
    if (opened === null || !unchanged)
      throw new ApiError('not_found', 'the photo changed on disk since import');
    return await readOpenFile(opened.file, opened.info).catch((error: unknown) => {
      throw cannotRead(error);
    });
  } finally {
    await opened?.file.close();
  }
}

/**
 * A thumbnail made again from its photo: one that is gone, as in a project copied or renamed without
 * its `.thumbs` folder, costs a decode, not the picture. Kept when the folder can be written.
 */
async function rebuildThumbnail(
  project: Project,
  image: ImageRecord,
  markChanged: (imageId: number) => void,
): Promise<Buffer> {
  const photo = await readImportedPhoto(project, image, markChanged);
  const { thumbnail } = await decodePhoto(photo).catch((error: unknown) => {
    throw new ApiError(
      'io_error',
      `cannot make a thumbnail of photo ${image.id}: ${(error as Error).message}`,
    );
  });
  await writeThumbnail(project.path, image.sha256, thumbnail).catch(() => undefined);
  return thumbnail;
}

/** Parses `thumb/12` or `photo/12` (the path part of a media URL). */
export function parseMediaPath(path: string): { kind: MediaKind; id: number } | null {
  const match = /^\/?(thumb|photo)\/([1-9][0-9]{0,15})$/.exec(path);
  return match ? { kind: match[1] as MediaKind, id: Number(match[2]) } : null;
}
