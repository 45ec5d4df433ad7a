// The project's classes: their list and order, hotkeys and colors, thresholds, and merging them.
import { maxClasses, type ClassInfo, type LabelSource, type LabelState } from '$shared/contract';
import { classHotkeyOrder } from '$shared/hotkeys';
import { ApiError } from '$shared/rpc';
import { now, type Db } from './connection';
import { applyLabelChanges, type ActionOutcome, type LabelChange } from './labels';
import { writeTransaction } from './transaction';

// Distinct, readable on dark and light backgrounds; cycles for projects with more classes.
const palette = [
  '#e6194b',
  '#3cb44b',
  '#ffe119',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#46f0f0',
  '#f032e6',
  '#bcf60c',
  '#fabebe',
  '#008080',
  '#e6beff',
  '#9a6324',
  '#fffac8',
  '#800000',
  '#aaffc3',
  '#808000',
  '#ffd8b1',
  '#000075',
  '#808080',
];

/** A class `c` with its thresholds (`u`: class_threshold_in_use, the one rule for the threshold in use). */
const columns = `c.id, c.name, c.color, c.hotkey, c.position, u.threshold, u.manual_threshold AS manualThreshold,
  u.tuned_threshold AS tunedThreshold, u.source AS thresholdSource, c.archived_at IS NOT NULL AS archived`;
const from = 'classes c JOIN class_threshold_in_use u ON u.class_id = c.id';

interface ClassRow extends Omit<ClassInfo, 'archived'> {
  archived: number;
}

const fromRow = (row: ClassRow): ClassInfo => ({ ...row, archived: row.archived === 1 });

/** The project's classes in their order; archived ones only when asked for. */
export function listClasses(db: Db, { includeArchived = false } = {}): ClassInfo[] {
  const rows = db
    .prepare(
      `SELECT ${columns} FROM ${from}
        WHERE c.deleted_at IS NULL ${includeArchived ? '' : 'AND c.archived_at IS NULL'}
        ORDER BY c.position, c.id`,
    )
    .all() as ClassRow[];
  return rows.map(fromRow);
}

/**
 * The threshold each class decides by for the version `modelId`: the rule of class_threshold_in_use
 * (tuned when the class says so and the version has one, else hand-set), for a version that need
 * not be the active one, as its metrics are read.
 */
export function thresholdsForVersion(db: Db, modelId: number): Map<number, number> {
  const rows = db
    .prepare(
      `SELECT c.id, CASE WHEN c.threshold_source = 'tuned' AND t.threshold IS NOT NULL
                         THEN t.threshold ELSE c.threshold END
         FROM classes c LEFT JOIN class_thresholds t ON t.model_id = ? AND t.class_id = c.id`,
    )
    .raw()
    .all(modelId) as [number, number][];
  return new Map(rows);
}

function getClass(db: Db, id: number): ClassInfo {
  const row = db.prepare(`SELECT ${columns} FROM ${from} WHERE c.id = ? AND c.deleted_at IS NULL`).get(id) as
    ClassRow | undefined;
  if (!row) throw new ApiError('not_found', `no class ${id}`);
  return fromRow(row);
}

export function countClasses(db: Db): number {
  return (
    db
      .prepare('SELECT count(*) AS n FROM classes WHERE deleted_at IS NULL AND archived_at IS NULL')
      .get() as {
      n: number;
    }
  ).n;
}

function nextFreeHotkey(db: Db): string | null {
  const taken = new Set(
    db
      .prepare('SELECT hotkey FROM classes WHERE deleted_at IS NULL AND hotkey IS NOT NULL')
      .pluck()
      .all() as string[],
  );
  return classHotkeyOrder.find((key) => !taken.has(key)) ?? null;
}

function insertClass(db: Db, name: string, color?: string): number {
  const position = (
    db.prepare('SELECT coalesce(max(position) + 1, 0) AS p FROM classes').get() as { p: number }
  ).p;
  const result = db
    .prepare('INSERT INTO classes (name, color, hotkey, position) VALUES (?, ?, ?, ?)')
    .run(name, color ?? palette[position % palette.length], nextFreeHotkey(db), position);
  return Number(result.lastInsertRowid);
}

/** Refuses names whose new classes would take the project past `maxClasses`. */
export function assertRoomForClasses(db: Db, names: readonly string[]): void {
  const find = db.prepare('SELECT 1 FROM classes WHERE name = ? AND deleted_at IS NULL').pluck();
  const added = new Set(names.filter((name) => find.get(name) === undefined)).size;
  const present = db.prepare('SELECT count(*) FROM classes WHERE deleted_at IS NULL').pluck().get() as number;
  if (present + added > maxClasses)
    throw new ApiError(
      'conflict',
      `${added.toLocaleString('en')} new classes would make ${(present + added).toLocaleString('en')}; ` +
        `a project holds at most ${maxClasses.toLocaleString('en')} classes (archived ones count)`,
    );
}

/** Ids of the named classes, creating the missing ones at the end of the list (named in `created`). */
export function ensureClasses(
  db: Db,
  names: readonly string[],
): { ids: Map<string, number>; created: string[] } {
  const find = db.prepare('SELECT id FROM classes WHERE name = ? AND deleted_at IS NULL');
  const ids = new Map<string, number>();
  const created: string[] = [];
  writeTransaction(db, () => {
    assertRoomForClasses(db, names);
    for (const name of names) {
      const row = find.get(name) as { id: number } | undefined;
      if (row) ids.set(name, row.id);
      else {
        ids.set(name, insertClass(db, name));
        created.push(name);
      }
    }
  });
  return { ids, created };
}

function assertNameFree(db: Db, name: string, except?: number): void {
  const clash = db
    .prepare('SELECT id FROM classes WHERE name = ? AND deleted_at IS NULL AND id IS NOT ?')
    .get(name, except ?? null);
  if (clash) throw new ApiError('conflict', `a class named "${name}" already exists`);
}

function assertHotkeyFree(db: Db, hotkey: string, except?: number): void {
  const clash = db
    .prepare('SELECT name FROM classes WHERE hotkey = ? AND deleted_at IS NULL AND id IS NOT ?')
    .get(hotkey, except ?? null) as { name: string } | undefined;
  if (clash) throw new ApiError('conflict', `the key "${hotkey}" already toggles "${clash.name}"`);
}

export function createClass(
  db: Db,
  input: { name: string; color?: string; hotkey?: string | null },
): ClassInfo {
  return writeTransaction(db, () => {
    assertNameFree(db, input.name);
    assertRoomForClasses(db, [input.name]);
    if (input.hotkey) assertHotkeyFree(db, input.hotkey);
    const id = insertClass(db, input.name, input.color);
    if (input.hotkey !== undefined)
      db.prepare('UPDATE classes SET hotkey = ? WHERE id = ?').run(input.hotkey, id);
    return getClass(db, id);
  });
}

interface ClassUpdate {
  name?: string;
  color?: string;
  hotkey?: string | null;
  threshold?: number;
  archived?: boolean;
}

export function updateClass(db: Db, id: number, update: ClassUpdate): ClassInfo {
  return writeTransaction(db, () => {
    getClass(db, id);
    if (update.name !== undefined) {
      assertNameFree(db, update.name, id);
      db.prepare('UPDATE classes SET name = ? WHERE id = ?').run(update.name, id);
    }
    if (update.color !== undefined)
      db.prepare('UPDATE classes SET color = ? WHERE id = ?').run(update.color, id);
    if (update.hotkey !== undefined) {
      if (update.hotkey) assertHotkeyFree(db, update.hotkey, id);
      db.prepare('UPDATE classes SET hotkey = ? WHERE id = ?').run(update.hotkey, id);
    }
    if (update.threshold !== undefined) {
      db.prepare('UPDATE classes SET threshold = ? WHERE id = ?').run(update.threshold, id);
    }
    if (update.archived !== undefined) {
      // An archived class keeps its labels and its name, and gives its key back.
      db.prepare(
        'UPDATE classes SET archived_at = ?, hotkey = CASE WHEN ? THEN NULL ELSE hotkey END WHERE id = ?',
      ).run(update.archived ? now() : null, update.archived ? 1 : 0, id);
    }
    return getClass(db, id);
  });
}

/** Which threshold the classes use (every class when `classIds` is absent); their ClassInfo after. */
export function useThresholds(
  db: Db,
  source: ClassInfo['thresholdSource'],
  classIds?: readonly number[],
): ClassInfo[] {
  return writeTransaction(db, () => {
    const ids = classIds
      ? [...new Set(classIds)]
      : listClasses(db, { includeArchived: true }).map((c) => c.id);
    const set = db.prepare('UPDATE classes SET threshold_source = ? WHERE id = ?');
    for (const id of ids) {
      getClass(db, id);
      set.run(source, id);
    }
    return ids.map((id) => getClass(db, id));
  });
}

/**
 * Puts the project's active classes in the order given, which lists each of them once and nothing
 * else; archived and merged-away classes keep their order after them.
 */
export function reorderClasses(db: Db, order: readonly number[]): void {
  writeTransaction(db, () => {
    const active = new Set(listClasses(db).map((item) => item.id));
    const listed = new Set<number>();
    for (const id of order) {
      if (!active.has(id))
        throw new ApiError('bad_input', `class ${id} is not an active class of the project`);
      if (listed.has(id)) throw new ApiError('bad_input', `class ${id} is listed more than once`);
      listed.add(id);
    }
    if (listed.size !== active.size)
      throw new ApiError(
        'bad_input',
        `the order lists ${listed.size} of the project's ${active.size} active classes; list every one of them`,
      );
    const rest = (
      db.prepare('SELECT id FROM classes ORDER BY position, id').pluck().all() as number[]
    ).filter((id) => !listed.has(id));
    const update = db.prepare('UPDATE classes SET position = ? WHERE id = ?');
    [...order, ...rest].forEach((id, position) => update.run(position, id));
  });
}

/**
 * Merges class `from` into `into`: a photo positive for either is positive for `into`; otherwise
 * `into` keeps its label, or takes `from`'s. `from` is then deleted (its id is never reused). A
 * class operation, confirmed before it runs, so not one that Ctrl+Z undoes; its label_events stay.
 */
export function mergeClasses(db: Db, from: number, into: number): ActionOutcome {
  if (from === into) throw new ApiError('bad_input', 'a class cannot be merged into itself');
  return writeTransaction(db, () => {
    const source = getClass(db, from);
    const target = getClass(db, into);
    const labels = db
      .prepare(
        `SELECT f.image_id AS imageId, f.state AS fromState, f.source AS fromSource, t.state AS intoState
           FROM labels f LEFT JOIN labels t ON t.image_id = f.image_id AND t.class_id = ?
          WHERE f.class_id = ?`,
      )
      .all(into, from) as {
      imageId: number;
      fromState: LabelState;
      fromSource: LabelSource;
      intoState: LabelState | null;
    }[];
    const changes: LabelChange[] = [];
    for (const label of labels) {
      if (label.intoState === null || (label.fromState === 'positive' && label.intoState !== 'positive')) {
        changes.push({
          imageId: label.imageId,
          classId: into,
          state: label.fromState,
          source: label.fromSource,
        });
      }
      changes.push({ imageId: label.imageId, classId: from, state: null, source: 'human' });
    }
    const description = `merge "${source.name}" into "${target.name}"`;
    const outcome = applyLabelChanges(db, description, changes, { undoable: false });
    db.prepare('UPDATE classes SET deleted_at = ?, hotkey = NULL WHERE id = ?').run(now(), from);
    return outcome;
  });
}
