// Labels and their history: changes as undoable actions, undo and redo, and labels read from files.
import type { Label, LabelSource, LabelState } from '$shared/contract';
import { now, type Db } from './connection';
import { writeTransaction } from './transaction';

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
  /** Who gave it, where the file says (the lossless format); else `imported`. */
  source?: LabelSource;
}

export interface ImportedLabelsOutcome {
  written: number;
  humanKept: number;
}

/**
 * Writes labels read from a file as `imported` (or the source the file gives), with one
 * label_events row per change, in one transaction. A label a person set or accepted is never
 * overwritten by an imported one. Set-based, through a temporary table, so a file of 100,000 photos'
 * labels is a few statements rather than millions.
 */
export function writeImportedLabels(
  db: Db,
  labels: readonly ImportedLabel[],
  jobId: number,
): ImportedLabelsOutcome {
  return writeTransaction(db, (): ImportedLabelsOutcome => {
    db.exec(
      `CREATE TEMP TABLE imported_labels (
         image_id INTEGER NOT NULL, class_id INTEGER NOT NULL, state TEXT NOT NULL, source TEXT NOT NULL,
         PRIMARY KEY (image_id, class_id)
       ) WITHOUT ROWID`,
    );
    try {
      // A later row for the same label wins, as it would written one at a time.
      const add = db.prepare('INSERT OR REPLACE INTO temp.imported_labels VALUES (?, ?, ?, ?)');
      for (const label of labels)
        add.run(label.imageId, label.classId, label.state, label.source ?? 'imported');
      const humanKept = db
        .prepare(
          `SELECT count(*) FROM temp.imported_labels n JOIN labels l USING (image_id, class_id)
            WHERE l.source IN ('human', 'accepted') AND l.state <> n.state`,
        )
        .pluck()
        .get() as number;
      // What changes: labels that are not a person's and differ in state or source. One left as it
      // was keeps its review mark; a changed one loses it.
      const changes = `FROM temp.imported_labels n LEFT JOIN labels l USING (image_id, class_id)
        WHERE (l.source IS NULL OR l.source NOT IN ('human', 'accepted'))
          AND (l.state IS NOT n.state OR l.source IS NOT n.source)`;
      const at = now();
      const written = db
        .prepare(
          `INSERT INTO label_events (image_id, class_id, old_state, old_source, old_reviewed_model_id, new_state,
                                     source, reviewed_model_id, action_id, job_id, at)
           SELECT n.image_id, n.class_id, l.state, l.source, l.reviewed_model_id, n.state, n.source, NULL, NULL, ?, ?
           ${changes}`,
        )
        .run(jobId, at).changes;
      db.prepare(
        `INSERT INTO labels (image_id, class_id, state, source, reviewed_model_id, at)
         SELECT n.image_id, n.class_id, n.state, n.source, NULL, ? ${changes}
         ON CONFLICT (image_id, class_id) DO UPDATE SET state = excluded.state, source = excluded.source,
           reviewed_model_id = NULL, at = excluded.at`,
      ).run(at);
      return { written, humanKept };
    } finally {
      db.exec('DROP TABLE temp.imported_labels');
    }
  });
}

/** The photos' labels read from a file (of classes not archived), with their review marks. */
export function importedLabels(
  db: Db,
  imageIds: readonly number[],
): { imageId: number; classId: number; state: LabelState; reviewedModelId: number | null }[] {
  return db
    .prepare(
      `SELECT l.image_id AS imageId, l.class_id AS classId, l.state, l.reviewed_model_id AS reviewedModelId
         FROM json_each(?) AS ids JOIN labels l ON l.image_id = ids.value
         JOIN classes c ON c.id = l.class_id AND c.deleted_at IS NULL
        WHERE l.source = 'imported'`,
    )
    .all(JSON.stringify(imageIds)) as {
    imageId: number;
    classId: number;
    state: LabelState;
    reviewedModelId: number | null;
  }[];
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
    if (!states) byImage.set(imageId, (states = new Map<number, LabelState>()));
    states.set(classId, state);
  }
  return byImage;
}

export interface LabelChange {
  imageId: number;
  classId: number;
  /** null: back to unknown (the label row is removed). */
  state: LabelState | null;
  source: LabelSource;
  /**
   * The version the label was decided against in review (labels.reviewed_model_id), or null.
   * Absent: kept while the state and source stay as they are, else cleared.
   */
  reviewedModelId?: number | null;
}

export interface ActionOutcome {
  description: string;
  /** The undoable action recorded, or null when nothing changed. */
  actionId: number | null;
  changed: number;
  imageIds: number[];
}

interface EventRow {
  image_id: number;
  class_id: number;
  old_state: LabelState | null;
  old_source: LabelSource | null;
  old_reviewed_model_id: number | null;
  new_state: LabelState | null;
  source: LabelSource;
  reviewed_model_id: number | null;
}

type StoredLabel = { state: LabelState; source: LabelSource; reviewedModelId: number | null };

/** Sets single labels; every change gets its label_events row, made by an action or an undo/redo. */
function labelWriter(db: Db) {
  const current = db.prepare(
    'SELECT state, source, reviewed_model_id AS reviewedModelId FROM labels WHERE image_id = ? AND class_id = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO labels (image_id, class_id, state, source, reviewed_model_id, at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (image_id, class_id) DO UPDATE SET state = excluded.state, source = excluded.source,
       reviewed_model_id = excluded.reviewed_model_id, at = excluded.at`,
  );
  const remove = db.prepare('DELETE FROM labels WHERE image_id = ? AND class_id = ?');
  const event = db.prepare(
    `INSERT INTO label_events (image_id, class_id, old_state, old_source, old_reviewed_model_id, new_state,
                               source, reviewed_model_id, action_id, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  /** Sets one label, with its event; false when it already was so. */
  const write = (change: LabelChange, by: { actionId?: number | null }, at: string): boolean => {
    const before = current.get(change.imageId, change.classId) as StoredLabel | undefined;
    const same = before?.state === change.state && before.source === change.source;
    // A review decision marks the label with the version in view; another write keeps the mark
    // only when it leaves the label as it was (setting it again is not a new decision).
    const reviewed =
      change.state === null
        ? null
        : change.reviewedModelId !== undefined
          ? change.reviewedModelId
          : same
            ? before.reviewedModelId
            : null;
    if (same && before.reviewedModelId === reviewed) return false;
    if (!before && change.state === null) return false;
    if (change.state === null) remove.run(change.imageId, change.classId);
    else upsert.run(change.imageId, change.classId, change.state, change.source, reviewed, at);
    event.run(
      change.imageId,
      change.classId,
      before?.state ?? null,
      before?.source ?? null,
      before?.reviewedModelId ?? null,
      change.state,
      change.source,
      reviewed,
      by.actionId ?? null,
      at,
    );
    return true;
  };
  return { write };
}

/**
 * Applies what a person did as one undoable action: one transaction, one label_events row per
 * label that really changed. A new action ends any chance to redo what was undone before it.
 * `reviewed`: decisions made in review with the active version's probabilities in view; the labels
 * are settled against that version, which then no longer disputes them (disputedLabel).
 *
 * `changes` is iterated once, inside the transaction, each change written before the next is
 * asked for: a bulk action hands a generator that reads and yields a few thousand photos' changes
 * at a time, so millions of changes never sit in memory at once, and a later chunk reads the
 * labels as the earlier ones left them.
 */
export function applyLabelChanges(
  db: Db,
  description: string,
  changes: Iterable<LabelChange>,
  { undoable = true, reviewed = false } = {},
): ActionOutcome {
  const labelsOf = labelWriter(db);
  return writeTransaction(db, (): ActionOutcome => {
    const at = now();
    const reviewedModelId = reviewed
      ? ((db.prepare('SELECT id FROM models WHERE active = 1').pluck().get() as number | undefined) ?? null)
      : null;
    const actionId = undoable
      ? Number(
          db.prepare('INSERT INTO actions (description, at) VALUES (?, ?)').run(description, at)
            .lastInsertRowid,
        )
      : null;
    const imageIds = new Set<number>();
    let changed = 0;
    for (const change of changes) {
      if (!labelsOf.write(reviewed ? { ...change, reviewedModelId } : change, { actionId }, at)) continue;
      imageIds.add(change.imageId);
      changed += 1;
    }
    if (actionId !== null && changed === 0) db.prepare('DELETE FROM actions WHERE id = ?').run(actionId);
    else if (actionId !== null)
      db.prepare(`UPDATE actions SET state = 'discarded' WHERE state = 'undone'`).run();
    return { description, actionId: changed > 0 ? actionId : null, changed, imageIds: [...imageIds] };
  });
}

interface UndoOutcome {
  description: string;
  imageIds: number[];
}

/** Reverts the latest action still done; null when there is none. */
export function undoLastAction(db: Db): UndoOutcome | null {
  return replay(db, 'undo');
}

/** Applies again the action undone last; null when there is none (or a new action came since). */
export function redoLastAction(db: Db): UndoOutcome | null {
  return replay(db, 'redo');
}

/** Events an undo or redo reads at a time. */
const replayPage = 5_000;

function replay(db: Db, direction: 'undo' | 'redo'): UndoOutcome | null {
  const labelsOf = labelWriter(db);
  return writeTransaction(db, (): UndoOutcome | null => {
    const action = db
      .prepare(
        direction === 'undo'
          ? `SELECT id, description FROM actions WHERE state = 'done' ORDER BY id DESC LIMIT 1`
          : `SELECT id, description FROM actions WHERE state = 'undone' ORDER BY id ASC LIMIT 1`,
      )
      .get() as { id: number; description: string } | undefined;
    if (!action) return null;
    const back = direction === 'undo';
    // The action's events a page at a time (a bulk confirm has millions), after the last one
    // replayed; the writes add events of no action, which the pages never meet.
    const page = db.prepare(
      `SELECT id, image_id, class_id, old_state, old_source, old_reviewed_model_id, new_state, source,
              reviewed_model_id
         FROM label_events WHERE action_id = ? AND id ${back ? '<' : '>'} ?
        ORDER BY id ${back ? 'DESC' : 'ASC'} LIMIT ${replayPage}`,
    );
    const at = now();
    const imageIds = new Set<number>();
    for (let after = back ? Number.MAX_SAFE_INTEGER : 0; ;) {
      const events = page.all(action.id, after) as (EventRow & { id: number })[];
      for (const event of events) {
        labelsOf.write(
          {
            imageId: event.image_id,
            classId: event.class_id,
            state: back ? event.old_state : event.new_state,
            // A label going back to unknown has no source; its event records who made it so.
            source: back ? (event.old_source ?? event.source) : event.source,
            reviewedModelId: back ? event.old_reviewed_model_id : event.reviewed_model_id,
          },
          {},
          at,
        );
        imageIds.add(event.image_id);
      }
      if (events.length < replayPage) break;
      after = events.at(-1)!.id;
    }
    db.prepare('UPDATE actions SET state = ? WHERE id = ?').run(back ? 'undone' : 'done', action.id);
    return { description: action.description, imageIds: [...imageIds] };
  });
}
