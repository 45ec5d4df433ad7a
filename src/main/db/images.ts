import type { ImageSummary } from '../../shared/contract';
import { now, type Db } from './connection';
import { labelsForImages } from './labels';

export interface NewImage {
  path: string;
  sha256: string;
  bytes: number;
  format: string;
  width: number;
  height: number;
  orientation: number;
}

export interface ImageRecord extends NewImage {
  id: number;
  split: ImageSummary['split'];
}

export function insertImage(db: Db, image: NewImage, jobId: number): number {
  const result = db
    .prepare(
      `INSERT INTO images (path, sha256, bytes, format, width, height, orientation, job_id, imported_at)
       VALUES (@path, @sha256, @bytes, @format, @width, @height, @orientation, @jobId, @at)`,
    )
    .run({ ...image, jobId, at: now() });
  return Number(result.lastInsertRowid);
}

export function getImage(db: Db, id: number): ImageRecord | undefined {
  return db
    .prepare(
      'SELECT id, path, sha256, bytes, format, width, height, orientation, split FROM images WHERE id = ?',
    )
    .get(id) as ImageRecord | undefined;
}

export function imagePathBySha(db: Db, sha256: string): string | undefined {
  const row = db.prepare('SELECT path FROM images WHERE sha256 = ?').get(sha256) as
    { path: string } | undefined;
  return row?.path;
}

/** Every image stored under a folder, keyed by absolute path, with the job that imported it. */
export function imagesUnder(db: Db, folder: string): Map<string, { id: number; jobId: number | null }> {
  const prefix = folder.endsWith('/') ? folder : `${folder}/`;
  // A range scan on the path index ('0' sorts right after '/'), rather than LIKE and its escaping.
  const rows = db
    .prepare('SELECT id, path, job_id AS jobId FROM images WHERE path >= ? AND path < ?')
    .all(prefix, `${prefix.slice(0, -1)}0`) as { id: number; path: string; jobId: number | null }[];
  return new Map(rows.map(({ path, ...image }) => [path, image]));
}

export function countImagesOfJob(db: Db, jobId: number): number {
  return (db.prepare('SELECT count(*) AS n FROM images WHERE job_id = ?').get(jobId) as { n: number }).n;
}

export function countImages(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
}

/** One page of the library grid, ordered by path, with every image's labels. */
export function imagePage(db: Db, offset: number, limit: number): ImageSummary[] {
  // The offset is walked on the path index alone (it holds the id); only the page's rows are read.
  const rows = db
    .prepare(
      `SELECT id, path, width, height, split FROM images
        WHERE id IN (SELECT id FROM images ORDER BY path LIMIT ? OFFSET ?)
        ORDER BY path`,
    )
    .all(limit, offset) as Omit<ImageSummary, 'name' | 'labels'>[];
  const labels = labelsForImages(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({
    ...row,
    name: row.path.slice(row.path.lastIndexOf('/') + 1),
    labels: labels.get(row.id) ?? [],
  }));
}

/** Every image path with its positive classes, for export. */
export function positiveClassesByImage(db: Db): { path: string; classes: string[]; labelled: boolean }[] {
  const rows = db
    .prepare(
      `SELECT i.path,
              count(l.class_id) AS labelled,
              group_concat(CASE WHEN l.state = 'positive' THEN c.name END, char(31)) AS classes
         FROM images i
         LEFT JOIN labels l ON l.image_id = i.id
         LEFT JOIN classes c ON c.id = l.class_id AND c.deleted_at IS NULL
        GROUP BY i.id
        ORDER BY i.path`,
    )
    .all() as { path: string; labelled: number; classes: string | null }[];
  return rows.map((row) => ({
    path: row.path,
    labelled: row.labelled > 0,
    classes: row.classes ? row.classes.split('\u001f') : [],
  }));
}

export function imageIdsInSplit(db: Db, split: string): number[] {
  return db
    .prepare(`SELECT id FROM images WHERE ? = 'all' OR split = ? ORDER BY id`)
    .pluck()
    .all(split, split) as number[];
}
