import type { Label, LabelSource, LabelState } from '../../shared/contract';
import { now, type Db } from './connection';

export function labelsForImages(db: Db, imageIds: readonly number[]): Map<number, Label[]> {
  const byImage = new Map<number, Label[]>();
  if (imageIds.length === 0) return byImage;
  // Ordered by the class list, without deleted classes; the class table is small, so that is done
  // here rather than by a join and a sort over every label of the page.
  const classes = db
    .prepare('SELECT id FROM classes WHERE deleted_at IS NULL ORDER BY position, id')
    .pluck()
    .all() as number[];
  const rank = new Map(classes.map((id, index) => [id, index]));
  // json_each keeps this one prepared statement whatever the page size.
  const rows = db
    .prepare(
      `SELECT l.image_id, l.class_id, l.state, l.source
         FROM json_each(?) AS ids JOIN labels l ON l.image_id = ids.value`,
    )
    .raw()
    .all(JSON.stringify(imageIds)) as [number, number, LabelState, LabelSource][];
  for (const [imageId, classId, state, source] of rows) {
    if (!rank.has(classId)) continue;
    const label = { classId, state, source };
    const list = byImage.get(imageId);
    if (list) list.push(label);
    else byImage.set(imageId, [label]);
  }
  for (const list of byImage.values()) list.sort((a, b) => rank.get(a.classId)! - rank.get(b.classId)!);
  return byImage;
}

export interface ImportedLabel {
  imageId: number;
  classId: number;
  state: LabelState;
}

export interface ImportedLabelsOutcome {
  written: number;
  humanKept: number;
}

const humanSources: readonly LabelSource[] = ['human', 'accepted'];

/**
 * Writes labels read from a file as `imported`, with one label_events row per change, in one
 * transaction. A label a person set or accepted is never overwritten by an imported one.
 */
export function writeImportedLabels(
  db: Db,
  labels: readonly ImportedLabel[],
  jobId: number,
): ImportedLabelsOutcome {
  const existing = db.prepare('SELECT state, source FROM labels WHERE image_id = ? AND class_id = ?');
  const upsert = db.prepare(
    `INSERT INTO labels (image_id, class_id, state, source, at) VALUES (@imageId, @classId, @state, 'imported', @at)
     ON CONFLICT (image_id, class_id) DO UPDATE SET state = excluded.state, source = excluded.source, at = excluded.at`,
  );
  const event = db.prepare(
    `INSERT INTO label_events (image_id, class_id, old_state, new_state, source, job_id, at)
     VALUES (@imageId, @classId, @old, @state, 'imported', @jobId, @at)`,
  );
  const outcome: ImportedLabelsOutcome = { written: 0, humanKept: 0 };
  db.transaction(() => {
    const at = now();
    for (const label of labels) {
      const current = existing.get(label.imageId, label.classId) as
        { state: LabelState; source: LabelSource } | undefined;
      if (current && humanSources.includes(current.source)) {
        if (current.state !== label.state) outcome.humanKept += 1;
        continue;
      }
      if (current?.state === label.state) continue;
      upsert.run({ ...label, at });
      event.run({ ...label, old: current?.state ?? null, jobId, at });
      outcome.written += 1;
    }
  })();
  return outcome;
}

export function countLabelEventsOfJob(db: Db, jobId: number): number {
  return (db.prepare('SELECT count(*) AS n FROM label_events WHERE job_id = ?').get(jobId) as { n: number })
    .n;
}

/** Every label of the photos in a split ('all': every photo), as image → class → state. */
export function labelStatesInSplit(db: Db, split: string): Map<number, Map<number, LabelState>> {
  const rows = db
    .prepare(
      `SELECT l.image_id, l.class_id, l.state FROM labels l JOIN images i ON i.id = l.image_id
        WHERE ? = 'all' OR i.split = ?`,
    )
    .raw()
    .all(split, split) as [number, number, LabelState][];
  const byImage = new Map<number, Map<number, LabelState>>();
  for (const [imageId, classId, state] of rows) {
    let states = byImage.get(imageId);
    if (!states) byImage.set(imageId, (states = new Map()));
    states.set(classId, state);
  }
  return byImage;
}
