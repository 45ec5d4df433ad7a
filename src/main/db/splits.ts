// The split of each photo (train / val / test / none): what training learns from and what it is
// measured on. 'none' is no split yet; labelled photos get one by iterative stratification
// (training/splits.ts), and a person may move any photo to any split.
import type { Split, SplitCounts } from '../../shared/contract';
import type { Db } from './connection';

/**
 * Every labelled photo (a label, positive or negative, for a live class not archived) with its
 * positive classes and its split, by id.
 */
export function labelledPhotos(db: Db): { id: number; classes: number[]; split: Split }[] {
  const rows = db
    .prepare(
      `SELECT i.id, i.split, group_concat(CASE WHEN l.state = 'positive' THEN l.class_id END) AS classes
         FROM images i
         JOIN labels l ON l.image_id = i.id
         JOIN classes c ON c.id = l.class_id AND c.deleted_at IS NULL AND c.archived_at IS NULL
        GROUP BY i.id
        ORDER BY i.id`,
    )
    .all() as { id: number; split: Split; classes: string | null }[];
  return rows.map(({ id, split, classes }) => ({
    id,
    split,
    classes: classes ? classes.split(',').map(Number) : [],
  }));
}

/** The labelled photos without a split yet: those the next assignment (or training run) places. */
export function labelledPhotosWithoutSplit(db: Db): number[] {
  return labelledPhotos(db)
    .filter((photo) => photo.split === 'none')
    .map((photo) => photo.id);
}

/** Moves photos to `split`, in one transaction; how many were elsewhere before. */
export function setSplit(db: Db, imageIds: readonly number[], split: Split): number {
  return db.transaction(
    () =>
      db
        .prepare(`UPDATE images SET split = ? WHERE id IN (SELECT value FROM json_each(?)) AND split <> ?`)
        .run(split, JSON.stringify(imageIds), split).changes,
  )();
}

/** Moves each photo to its split, in one transaction; how many changed split. */
export function setSplits(db: Db, splits: ReadonlyMap<number, Split>): number {
  const byFold = new Map<Split, number[]>();
  for (const [id, split] of splits) {
    let ids = byFold.get(split);
    if (!ids) byFold.set(split, (ids = []));
    ids.push(id);
  }
  return db.transaction(() => {
    let changed = 0;
    for (const [split, ids] of byFold) changed += setSplit(db, ids, split);
    return changed;
  })();
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
