// The split of each photo (train / val / test / none): what training learns from and what it is
// measured on. 'none' is no split yet; labelled photos get one by iterative stratification
// (training/splits.ts), and a person may move any photo to any split.
import type { Split, SplitCounts } from '$shared/contract';
import type { Db } from './connection';
import { writeTransaction } from './transaction';

/** A photo with a label (positive or negative) for a live class that is not archived. */
export interface LabelledPhoto {
  id: number;
  path: string;
  sha256: string;
  split: Split;
  /** Its positive classes. */
  classes: number[];
}

/**
 * Every labelled photo, by id: what splits are assigned to, what training learns from and what the
 * feature cache keeps longest.
 */
export function labelledPhotos(db: Db): LabelledPhoto[] {
  const rows = db
    .prepare(
      `SELECT i.id, i.path, i.sha256, i.split,
              group_concat(CASE WHEN l.state = 'positive' THEN l.class_id END) AS classes
         FROM images i
         JOIN labels l ON l.image_id = i.id
         JOIN classes c ON c.id = l.class_id AND c.deleted_at IS NULL AND c.archived_at IS NULL
        GROUP BY i.id
        ORDER BY i.id`,
    )
    .all() as (Omit<LabelledPhoto, 'classes'> & { classes: string | null })[];
  return rows.map((row) => ({ ...row, classes: row.classes ? row.classes.split(',').map(Number) : [] }));
}

/** Moves photos to `split`, in one transaction; how many were elsewhere before. */
export function setSplit(db: Db, imageIds: readonly number[], split: Split): number {
  return writeTransaction(
    db,
    () =>
      db
        .prepare(`UPDATE images SET split = ? WHERE id IN (SELECT value FROM json_each(?)) AND split <> ?`)
        .run(split, JSON.stringify(imageIds), split).changes,
  );
}

/** Moves each photo to its split, in one transaction; how many changed split. */
export function setSplits(db: Db, splits: ReadonlyMap<number, Split>): number {
  const byFold = new Map<Split, number[]>();
  for (const [id, split] of splits) {
    let ids = byFold.get(split);
    if (!ids) byFold.set(split, (ids = []));
    ids.push(id);
  }
  return writeTransaction(db, () => {
    let changed = 0;
    for (const [split, ids] of byFold) changed += setSplit(db, ids, split);
    return changed;
  });
}

/** How many photos each split holds, every photo of the project counted. */
export function splitCounts(db: Db): SplitCounts {
  const counts: SplitCounts = { train: 0, val: 0, test: 0, none: 0 };
  const rows = db.prepare('SELECT split, count(*) AS n FROM images GROUP BY split').all() as {
    split: Split;
    n: number;
  }[];
  for (const { split, n } of rows) counts[split] = n;
  return counts;
}
