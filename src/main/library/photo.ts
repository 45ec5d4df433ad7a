// One photo read and decoded: its bytes, hash, upright size and thumbnail.
import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';
import { maxPhotoBytes, NotRegularFile, readRegularFile } from '../files/regular-file';
import { thumbnailSize } from './thumbnails';

/** A file that is not a readable image; `reason` says why, for the import report. */
export class UnreadablePhoto extends Error {}

/** The bytes of a regular file (see regular-file.ts) and its modification time (ISO 8601). */
export async function readPhotoBytes(path: string): Promise<{ bytes: Buffer; modifiedAt: string }> {
  const { bytes, info } = await readRegularFile(path, maxPhotoBytes).catch((error: unknown) => {
    throw error instanceof NotRegularFile ? new UnreadablePhoto(`cannot read file: ${error.message}`) : error;
  });
  if (bytes.length === 0) throw new UnreadablePhoto('empty file (0 bytes)');
  return { bytes, modifiedAt: info.mtime.toISOString() };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface DecodedPhoto {
  format: string;
  /** Size as displayed, after the EXIF orientation is applied. */
  width: number;
  height: number;
  orientation: number;
  thumbnail: Buffer;
}

/**
 * Decodes a photo fully (truncated or corrupt data fails here, not later in the grid) and renders
 * its thumbnail, upright. Multi-frame GIFs contribute their first frame.
 */
export async function decodePhoto(bytes: Buffer): Promise<DecodedPhoto> {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch (error) {
    throw new UnreadablePhoto(`not a readable image: ${cleanSharpMessage(error)}`);
  }
  if (!metadata.width || !metadata.height) throw new UnreadablePhoto('not a readable image: no dimensions');
  let thumbnail: Buffer;
  try {
    thumbnail = await sharp(bytes, { failOn: 'error' })
      .rotate()
      .resize(thumbnailSize, thumbnailSize, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 78, effort: 2 })
      .toBuffer();
  } catch (error) {
    throw new UnreadablePhoto(`damaged image data: ${cleanSharpMessage(error)}`);
  }
  return {
    format: metadata.format,
    ...uprightSize(metadata),
    orientation: metadata.orientation ?? 1,
    thumbnail,
  };
}

/** A photo's size as it is seen: EXIF orientations 5 to 8 turn it a quarter, swapping the sides. */
export function uprightSize<T>(metadata: { width: T; height: T; orientation?: number }): {
  width: T;
  height: T;
} {
  const orientation = metadata.orientation ?? 1;
  const swapped = orientation >= 5 && orientation <= 8;
  return {
    width: swapped ? metadata.height : metadata.width,
    height: swapped ? metadata.width : metadata.height,
  };
}

function cleanSharpMessage(error: unknown): string {
  return (error as Error).message
    .split('\n')[0]!
    .replace(/^Input (buffer|file) /, '')
    .trim();
}
