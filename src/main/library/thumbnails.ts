// Thumbnails, cached beside the project file by content hash, each written whole or not at all.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { besideProject } from '../paths';
import { writeFileWhole } from '../files/partial';

export const thumbnailSize = 256;

/** Thumbnails live beside the project file, named by content hash, so a copy of a photo shares one. */
export function thumbnailFolder(projectPath: string): string {
  return besideProject(projectPath, '.thumbs');
}

export function thumbnailPath(projectPath: string, sha256: string): string {
  return join(thumbnailFolder(projectPath), sha256.slice(0, 2), `${sha256}.webp`);
}

/**
 * Written to a temporary name and renamed, so a crash never leaves half a thumbnail; the name is
 * unique because two copies of one photo may be rendered at the same time. A write that fails (a
 * full disk) takes its partial file with it.
 */
export async function writeThumbnail(projectPath: string, sha256: string, bytes: Buffer): Promise<void> {
  const file = thumbnailPath(projectPath, sha256);
  await mkdir(dirname(file), { recursive: true });
  await writeFileWhole(file, bytes);
}
