// What a training run reads of a project: its labels as they are at one instant, and how many
// label changes happened after that instant.
import type { LabelState } from '$shared/contract';
import type { Db } from './connection';
import { labelledPhotos } from './splits';
import { readTransaction } from './transaction';

/** The content hashes of labelled photos: the feature cache keeps these longest. */
export function labelledHashes(db: Db): Set<string> {
  return new Set(labelledPhotos(db).map((photo) => photo.sha256));
}

export interface LabelSnapshot {
  /** image → class → state, for every label of a live class */
  states: Map<number, Map<number, LabelState>>;
  /** The last label event when the snapshot was taken: changes after it came later. */
  lastEvent: number;
}

/** Every label (human, accepted and imported alike), read in one transaction. */
export function labelSnapshot(db: Db): LabelSnapshot {
  return readTransaction(db, () => {
    const states = new Map<number, Map<number, LabelState>>();
    const rows = db
      .prepare(
        `SELECT l.image_id AS imageId, l.class_id AS classId, l.state FROM labels l
           JOIN classes c ON c.id = l.class_id WHERE c.deleted_at IS NULL`,
      )
      .all() as { imageId: number; classId: number; state: LabelState }[];
    for (const { imageId, classId, state } of rows) {
      let photo = states.get(imageId);
      if (!photo) states.set(imageId, (photo = new Map<number, LabelState>()));
      photo.set(classId, state);
    }
    const { last } = db.prepare('SELECT coalesce(max(id), 0) AS last FROM label_events').get() as {
      last: number;
    };
    return { states, lastEvent: last };
  });
}

/** Label changes (photo and class pairs) made after a snapshot. */
export function labelChangesSince(db: Db, lastEvent: number): number {
  const { n } = db
    .prepare(`SELECT count(*) AS n FROM (SELECT DISTINCT image_id, class_id FROM label_events WHERE id > ?)`)
    .get(lastEvent) as { n: number };
  return n;
}
