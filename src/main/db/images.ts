import type { ImageFilter, ImageSort, ImageSummary } from '../../shared/contract';
import { now, type Db } from './connection';
import { labelsForImages } from './labels';

export interface NewImage {
  path: string;
  /** The file's modification time, ISO 8601: what "sort by date" orders by. */
  modifiedAt: string;
  sha256: string;
  bytes: number;
  format: string;
  width: number;
  height: number;
  orientation: number;
}

export interface ImageRecord extends Omit<NewImage, 'modifiedAt'> {
  id: number;
  /** Null for a photo imported before dates were recorded (schema 3). */
  modifiedAt: string | null;
  split: ImageSummary['split'];
  changedOnDisk: boolean;
}

export function insertImage(db: Db, image: NewImage, jobId: number): number {
  const result = db
    .prepare(
      `INSERT INTO images (path, sha256, bytes, format, width, height, orientation, modified_at, job_id, imported_at)
       VALUES (@path, @sha256, @bytes, @format, @width, @height, @orientation, @modifiedAt, @jobId, @at)`,
    )
    .run({ ...image, jobId, at: now() });
  return Number(result.lastInsertRowid);
}

export function getImage(db: Db, id: number): ImageRecord | undefined {
  const row = db
    .prepare(
      `SELECT id, path, sha256, bytes, format, width, height, orientation, modified_at AS modifiedAt, split,
              changed_on_disk_at IS NOT NULL AS changedOnDisk
         FROM images WHERE id = ?`,
    )
    .get(id) as (Omit<ImageRecord, 'changedOnDisk'> & { changedOnDisk: 0 | 1 }) | undefined;
  return row && { ...row, changedOnDisk: row.changedOnDisk === 1 };
}

/**
 * Records whether a photo's file is still the one the import read. Once changed, it keeps the time
 * it was first seen so; a file put back as it was clears it.
 */
export function recordChangedOnDisk(db: Db, id: number, changed: boolean): void {
  db.prepare(
    'UPDATE images SET changed_on_disk_at = CASE WHEN ? THEN coalesce(changed_on_disk_at, ?) END WHERE id = ?',
  ).run(changed ? 1 : 0, now(), id);
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

/** What the grid shows: a filter, an order, and the model whose predictions they may use. */
export interface ImageQuery {
  filter?: ImageFilter;
  sort: ImageSort;
  /** The active model, and the model's class index for each project class it predicts. */
  model?: { id: number; indexOf: ReadonlyMap<number, number> };
}

type Row = Omit<ImageSummary, 'name' | 'labels' | 'predictions' | 'changedOnDisk'> & { changedOnDisk: 0 | 1 };

/** What a grid row reads of a photo `i`. */
const rowColumns =
  'i.id, i.path, i.width, i.height, i.split, i.changed_on_disk_at IS NOT NULL AS changedOnDisk';

/**
 * The probability at byte `@byte` of p.scores (a little-endian float32) as 8 hex digits, most
 * significant first. The bit patterns of numbers ≥ 0 sort as the numbers do, so a probability
 * range is a text comparison done in SQLite's C: ten times faster per photo than calling prob().
 */
const probabilityHex = [4, 3, 2, 1].map((byte) => `hex(substr(p.scores, @byte + ${byte}, 1))`).join(' || ');

/**
 * The bit pattern, as probabilityHex writes it, of the float32 nearest `bound` on the side that
 * keeps the comparison exact: the smallest float32 ≥ bound ('up'), the largest ≤ it ('down').
 */
function float32Hex(bound: number, side: 'up' | 'down'): string {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, bound);
  let bits = view.getUint32(0);
  const rounded = view.getFloat32(0);
  if (side === 'up' && rounded < bound) bits += 1;
  if (side === 'down' && rounded > bound) bits -= 1;
  return bits.toString(16).toUpperCase().padStart(8, '0');
}

/**
 * The SQL of a query: photos `i`, their prediction by the active model `p` (when there is one),
 * the conditions of the filter and the order.
 */
function compile(query: ImageQuery): {
  from: string;
  where: string;
  order: string;
  params: Record<string, unknown>;
} {
  const { filter = {}, sort, model } = query;
  const params: Record<string, unknown> = { modelId: model?.id ?? null };
  const mapping = Object.fromEntries(
    [...(model?.indexOf ?? [])].map(([classId, index]) => [`c${classId}`, index]),
  );
  params.mapping = JSON.stringify(mapping);
  const conditions: string[] = [];
  if (filter.classId !== undefined) params.classId = filter.classId;
  if (filter.state === 'unknown') {
    conditions.push('NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id AND l.class_id = @classId)');
  } else if (filter.state) {
    params.state = filter.state;
    conditions.push(
      'EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id AND l.class_id = @classId AND l.state = @state)',
    );
  }
  if (filter.minProbability !== undefined || filter.maxProbability !== undefined) {
    const index = model?.indexOf.get(filter.classId!);
    if (index === undefined) conditions.push('0');
    else {
      params.byte = index * 4;
      params.min = float32Hex(filter.minProbability ?? 0, 'up');
      params.max = float32Hex(filter.maxProbability ?? 1, 'down');
      conditions.push(`${probabilityHex} BETWEEN @min AND @max`);
    }
  }
  if (filter.unlabelled) conditions.push('NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id)');
  if (filter.split) {
    params.split = filter.split;
    conditions.push('i.split = @split');
  }
  if (filter.disagreement) {
    conditions.push(`EXISTS (
      SELECT 1 FROM labels l JOIN classes c ON c.id = l.class_id AND c.deleted_at IS NULL
        JOIN class_threshold_in_use u ON u.class_id = c.id
       WHERE l.image_id = i.id AND json_extract(@mapping, '$.c' || l.class_id) IS NOT NULL
         AND CASE l.state
               WHEN 'positive' THEN prob(p.scores, json_extract(@mapping, '$.c' || l.class_id)) < u.threshold
               ELSE prob(p.scores, json_extract(@mapping, '$.c' || l.class_id)) >= u.threshold
             END)`);
  }
  const order = {
    name: 'i.path',
    date: 'i.modified_at, i.path',
    uncertainty: 'p.uncertainty IS NULL, p.uncertainty DESC, i.id DESC',
  }[sort];
  return {
    from: 'images i LEFT JOIN predictions p ON p.image_id = i.id AND p.model_id = @modelId',
    where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '',
    order,
    params,
  };
}

const unfiltered = (query: ImageQuery) =>
  Object.values(query.filter ?? {}).every((value) => value === undefined);
const isPlain = (query: ImageQuery) => query.sort === 'name' && unfiltered(query);
const isPlainByUncertainty = (query: ImageQuery) =>
  query.sort === 'uncertainty' && query.model !== undefined && unfiltered(query);

/**
 * Photo ids by uncertainty, walked on predictions_by_uncertainty (backwards) instead of sorting
 * every photo: those with an uncertainty, most uncertain first, then the others (not predicted
 * yet, or for none of the project's classes). The order is the compiled query's (`limit` -1: all).
 */
function idsByUncertainty(db: Db, modelId: number, limit: number, offset: number): number[] {
  const measured = db
    .prepare(
      `SELECT image_id FROM predictions INDEXED BY predictions_by_uncertainty
        WHERE model_id = ? AND uncertainty IS NOT NULL
        ORDER BY uncertainty DESC, image_id DESC LIMIT ? OFFSET ?`,
    )
    .pluck()
    .all(modelId, limit, offset) as number[];
  if (limit >= 0 && measured.length === limit) return measured;
  const measuredCount = db
    .prepare('SELECT count(*) FROM predictions WHERE model_id = ? AND uncertainty IS NOT NULL')
    .pluck()
    .get(modelId) as number;
  const rest = db
    .prepare(
      `SELECT id FROM images i
        WHERE NOT EXISTS (SELECT 1 FROM predictions p
                           WHERE p.image_id = i.id AND p.model_id = ? AND p.uncertainty IS NOT NULL)
        ORDER BY id DESC LIMIT ? OFFSET ?`,
    )
    .pluck()
    .all(modelId, limit < 0 ? -1 : limit - measured.length, Math.max(0, offset - measuredCount)) as number[];
  return [...measured, ...rest];
}

/** One page of the grid, with every photo's labels. */
export function imagePage(
  db: Db,
  offset: number,
  limit: number,
  query: ImageQuery = { sort: 'name' },
): Omit<ImageSummary, 'predictions'>[] {
  let rows: Row[];
  if (isPlain(query)) {
    // The offset is walked on the path index alone (it holds the id); only the page's rows are read.
    rows = db
      .prepare(
        `SELECT ${rowColumns} FROM images i
          WHERE id IN (SELECT id FROM images ORDER BY path LIMIT ? OFFSET ?)
          ORDER BY path`,
      )
      .all(limit, offset) as Row[];
  } else if (isPlainByUncertainty(query)) {
    const ids = idsByUncertainty(db, query.model!.id, limit, offset);
    const byId = new Map(rowsById(db, ids).map((row) => [row.id, row]));
    rows = ids.map((id) => byId.get(id)!);
  } else {
    const { from, where, order, params } = compile(query);
    rows = db
      .prepare(`SELECT ${rowColumns} FROM ${from} ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit, offset }) as Row[];
  }
  return withLabels(db, rows);
}

export function imagesById(db: Db, ids: readonly number[]): Omit<ImageSummary, 'predictions'>[] {
  return withLabels(db, rowsById(db, ids));
}

function rowsById(db: Db, ids: readonly number[]): Row[] {
  return db
    .prepare(`SELECT ${rowColumns} FROM json_each(?) AS ids JOIN images i ON i.id = ids.value`)
    .all(JSON.stringify(ids)) as Row[];
}

function withLabels(db: Db, rows: Row[]): Omit<ImageSummary, 'predictions'>[] {
  const labels = labelsForImages(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({
    ...row,
    changedOnDisk: row.changedOnDisk === 1,
    name: row.path.slice(row.path.lastIndexOf('/') + 1),
    labels: labels.get(row.id) ?? [],
  }));
}

export function countMatching(db: Db, query: ImageQuery): number {
  if (unfiltered(query)) return countImages(db);
  const { from, where, params } = compile(query);
  return (db.prepare(`SELECT count(*) AS n FROM ${from} ${where}`).get(params) as { n: number }).n;
}

export function matchingIds(db: Db, query: ImageQuery): number[] {
  if (isPlainByUncertainty(query)) return idsByUncertainty(db, query.model!.id, -1, 0);
  const { from, where, order, params } = compile(query);
  return db.prepare(`SELECT i.id FROM ${from} ${where} ORDER BY ${order}`).pluck().all(params) as number[];
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

/** The ids among `ids` that name no photo of the project. */
export function unknownImageIds(db: Db, ids: readonly number[]): number[] {
  return db
    .prepare(
      'SELECT ids.value FROM json_each(?) AS ids LEFT JOIN images i ON i.id = ids.value WHERE i.id IS NULL',
    )
    .pluck()
    .all(JSON.stringify(ids)) as number[];
}
