// The photos of the synthetic 100,000-photo projects the benchmarks build: rows as an import writes
// them, spread over 100 folders as a large collection is kept, and VOC-like labels.
import type { NewImage } from '../src/main/db/images';

/** The i-th photo's path under its root folder. */
export function syntheticPhotoPath(i: number): string {
  return `${String(i % 100).padStart(2, '0')}/${String(i).padStart(7, '0')}.jpg`;
}

/** The i-th photo's row, under `root`. */
export function syntheticPhoto(i: number, root: string, bytes: number): NewImage {
  return {
    path: `${root}/${syntheticPhotoPath(i)}`,
    sha256: i.toString(16).padStart(64, '0'),
    bytes,
    format: 'jpeg',
    width: 500,
    height: 375,
    orientation: 1,
    modifiedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** Whether the photo shows the class: about 1.5 of 20 classes a photo, as in VOC. */
export const syntheticPositive = (imageId: number, classId: number): boolean =>
  (imageId * 7 + classId * 13) % 20 < 1.5;
