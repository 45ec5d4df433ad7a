// Model versions (the models table): packs as shipped and trained versions, and the active one.
import { now, type Db } from './connection';
import { writeTransaction } from './transaction';

export interface ModelRecord {
  id: number;
  parentId: number | null;
  name: string;
  /** `<pack name>@<pack version>`: the folder under resources/models and the manifest it was built from. */
  pack: string;
  classes: string[];
  headFile: string | null;
  active: boolean;
  createdAt: string;
  /** A trained version's val metrics and training facts (ModelVersion's metrics and trained). */
  metrics: unknown;
  /** A trained version's project classes, by id, in its output order; null for a pack. */
  classIds: number[] | null;
}

interface ModelRow {
  id: number;
  parent_id: number | null;
  name: string;
  pack: string;
  classes: string;
  head_file: string | null;
  active: number;
  created_at: string;
  metrics: string | null;
}

const fromRow = (row: ModelRow): ModelRecord => {
  const metrics = row.metrics === null ? null : (JSON.parse(row.metrics) as { classIds?: number[] });
  return {
    id: row.id,
    parentId: row.parent_id,
    name: row.name,
    pack: row.pack,
    classes: JSON.parse(row.classes) as string[],
    headFile: row.head_file,
    active: row.active === 1,
    createdAt: row.created_at,
    metrics,
    classIds: metrics?.classIds ?? null,
  };
};

/** The photos a trained version learned from (none for a pack as shipped). */
export function trainedOn(record: Pick<ModelRecord, 'metrics'>): Set<number> {
  const ids = (record.metrics as { trainImageIds?: number[] } | null)?.trainImageIds;
  return new Set(ids ?? []);
}

export function listModels(db: Db): ModelRecord[] {
  return (db.prepare('SELECT * FROM models ORDER BY id').all() as ModelRow[]).map(fromRow);
}

/** A trained version's row, not active; the caller activates it in the same transaction if it should. */
export function insertTrainedModel(
  db: Db,
  model: {
    parentId: number | null;
    name: string;
    pack: string;
    classes: string[];
    headFile: string;
    metrics: unknown;
  },
): ModelRecord {
  const result = db
    .prepare(
      `INSERT INTO models (parent_id, name, pack, classes, head_file, metrics, active, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?)`,
    )
    .run(
      model.parentId,
      model.name,
      model.pack,
      JSON.stringify(model.classes),
      model.headFile,
      JSON.stringify(model.metrics),
      now(),
    );
  return getModel(db, Number(result.lastInsertRowid))!;
}

export function activeModel(db: Db): ModelRecord | undefined {
  const row = db.prepare('SELECT * FROM models WHERE active = 1').get() as ModelRow | undefined;
  return row && fromRow(row);
}

export function getModel(db: Db, id: number): ModelRecord | undefined {
  const row = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
  return row && fromRow(row);
}

export function setActiveModel(db: Db, id: number): void {
  writeTransaction(db, () => {
    db.prepare('UPDATE models SET active = 0 WHERE active = 1').run();
    db.prepare('UPDATE models SET active = 1 WHERE id = ?').run(id);
  });
}

/**
 * The version of a model pack with no trained head (the pack as shipped), registered once per
 * project; it becomes the active model when the project has none.
 */
export function ensurePackModel(
  db: Db,
  pack: { name: string; version: string; classes: string[] },
): ModelRecord {
  const id = `${pack.name}@${pack.version}`;
  return writeTransaction(db, () => {
    const existing = db.prepare('SELECT * FROM models WHERE pack = ? AND head_file IS NULL').get(id) as
      ModelRow | undefined;
    if (existing) {
      if (!activeModel(db)) db.prepare('UPDATE models SET active = 1 WHERE id = ?').run(existing.id);
      return getModel(db, existing.id)!;
    }
    const active = activeModel(db) ? 0 : 1;
    const result = db
      .prepare('INSERT INTO models (name, pack, classes, active, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(pack.name, id, JSON.stringify(pack.classes), active, now());
    return getModel(db, Number(result.lastInsertRowid))!;
  });
}
