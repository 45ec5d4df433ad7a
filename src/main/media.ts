import sharp from 'sharp';
import { ApiError } from '../shared/rpc';
import { getImage } from './db/images';
import type { Project } from './project';

export type MediaKind = 'thumb' | 'photo';

export type Media = { file: string; type: string } | { bytes: Buffer; type: string };

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
export async function readMedia(project: Project | null, kind: MediaKind, id: number): Promise<Media> {
  if (!project) throw new ApiError('no_project', 'no project is open');
  const image = getImage(project.db, id);
  if (!image) throw new ApiError('not_found', `no photo ${id} in this project`);
  if (kind === 'thumb') return { file: project.thumbnailPath(image.sha256), type: 'image/webp' };
  const type = browserTypes[image.format];
  if (type) return { file: image.path, type };
  try {
    return { bytes: await sharp(image.path).rotate().webp({ quality: 90 }).toBuffer(), type: 'image/webp' };
  } catch (error) {
    throw new ApiError('io_error', `cannot read photo ${id}: ${(error as Error).message}`);
  }
}

/** Parses `thumb/12` or `photo/12` (the path part of a media URL). */
export function parseMediaPath(path: string): { kind: MediaKind; id: number } | null {
  const match = /^\/?(thumb|photo)\/([1-9][0-9]{0,15})$/.exec(path);
  return match ? { kind: match[1] as MediaKind, id: Number(match[2]) } : null;
}
