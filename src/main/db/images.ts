// The project's photos (the images table) and the grid's queries over them: filters, orders, pages.
import type { ImageFilter, ImageSort, ImageSummary } from '$shared/contract';
import { now, type Db } from './connection';
import { idsInRange, idsInRangeWhere, type ScoreRange } from './class-scores';
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
 * Whether a filter's class comes without a condition of its own (a label state, a probability
 * range, disagreement about it): it then selects the photos the class is on.
 */
const classAlone = (filter: ImageFilter) =>
  filter.state === undefined &&
  filter.minProbability === undefined &&
  filter.maxProbability === undefined &&
  !filter.disagreement;

/**
 * The SQL of a query: photos `i`, their prediction by the active model `p` (when there is one),
 * the conditions of the filter and the order.
 */
function compile(query: ImageQuery): {
  from: string;
  /** The filter's conditions but its probability range, which the index answers (empty: none). */
  condition: string;
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
  if (filter.classId !== undefined && classAlone(filter)) {
    // The class is there: labelled positive, or pre-labelled (no label of it, the active version at
    // or above its threshold in use).
    conditions.push(`(EXISTS (SELECT 1 FROM labels l
                              WHERE l.image_id = i.id AND l.class_id = @classId AND l.state = 'positive')
      OR NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id AND l.class_id = @classId)
         AND EXISTS (SELECT 1 FROM class_scores s JOIN class_threshold_in_use u ON u.class_id = s.class_id
                      WHERE s.image_id = i.id AND s.class_id = @classId AND s.model_id = @modelId
                        AND s.probability >= u.threshold))`);
  }
  if (filter.unlabelled) conditions.push('NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id)');
  if (filter.split) {
    params.split = filter.split;
    conditions.push('i.split = @split');
  }
  if (filter.reviewed !== undefined) {
    // Reviewed: the project has classes and a person labelled every one of them on the photo (a
    // labels file's labels count once a person confirmed them, which makes them 'human').
    const reviewed = `(EXISTS (SELECT 1 FROM classes c WHERE c.deleted_at IS NULL)
      AND NOT EXISTS (SELECT 1 FROM classes c WHERE c.deleted_at IS NULL AND NOT EXISTS (
        SELECT 1 FROM labels l WHERE l.image_id = i.id AND l.class_id = c.id AND l.source <> 'imported')))`;
    conditions.push(filter.reviewed ? reviewed : `NOT ${reviewed}`);
  }
  if (filter.disagreement) {
    conditions.push(`EXISTS (
      SELECT 1 FROM labels l JOIN classes c ON c.id = l.class_id AND c.deleted_at IS NULL
        JOIN class_threshold_in_use u ON u.class_id = c.id
       WHERE l.image_id = i.id AND json_extract(@mapping, '$.c' || l.class_id) IS NOT NULL
         ${filter.classId === undefined ? '' : 'AND l.class_id = @classId'}
         AND CASE l.state
               WHEN 'positive' THEN prob(p.scores, json_extract(@mapping, '$.c' || l.class_id)) < u.threshold
               ELSE prob(p.scores, json_extract(@mapping, '$.c' || l.class_id)) >= u.threshold
             END)`);
  }
  const order = {
    name: 'i.path',
    date: 'i.modified_at, i.path',
    uncertainty: 'p.uncertainty IS NULL, p.uncertainty DESC, i.id DESC',
    confidence: 'p.uncertainty IS NULL, p.uncertainty, i.id',
  }[sort];
  const condition = conditions.join(' AND ');
  const readsPredictions = filter.disagreement || sort === 'uncertainty' || sort === 'confidence';
  return {
    from: readsPredictions
      ? 'images i LEFT JOIN predictions p ON p.image_id = i.id AND p.model_id = @modelId'
      : 'images i',
    condition,
    where: condition ? `WHERE ${condition}` : '',
    order,
    params,
  };
}

const unfiltered = (query: ImageQuery) =>
  Object.values(query.filter ?? {}).every((value) => value === undefined);
const isPlain = (query: ImageQuery) => query.sort === 'name' && unfiltered(query);
const isPlainByUncertainty = (query: ImageQuery) =>
  (query.sort === 'uncertainty' || query.sort === 'confidence') &&
  query.model !== undefined &&
  unfiltered(query);

/**
 * Photo ids by uncertainty, walked on predictions_by_uncertainty instead of sorting every photo:
 * those with an uncertainty, most uncertain first ('uncertainty') or most confident first
 * ('confidence'), then the others (not predicted yet, or for none of the project's classes). The
 * order is the compiled query's (`limit` -1: all).
 */
function idsByUncertainty(
  db: Db,
  modelId: number,
  sort: 'uncertainty' | 'confidence',
  limit: number,
  offset: number,
): number[] {
  const direction = sort === 'uncertainty' ? 'DESC' : 'ASC';
  const measured = db
    .prepare(
      `SELECT image_id FROM predictions INDEXED BY predictions_by_uncertainty
        WHERE model_id = ? AND uncertainty IS NOT NULL
        ORDER BY uncertainty ${direction}, image_id ${direction} LIMIT ? OFFSET ?`,
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
        ORDER BY id ${direction} LIMIT ? OFFSET ?`,
    )
    .pluck()
    .all(modelId, limit < 0 ? -1 : limit - measured.length, Math.max(0, offset - measuredCount)) as number[];
  return [...measured, ...rest];
}

/**
 * The range of the filter's class probability, as the active model predicts it, when the filter
 * has one (no model: a range no photo is in).
 */
function scoreRange(query: ImageQuery): ScoreRange | undefined {
  const { filter = {}, model } = query;
  if (filter.minProbability === undefined && filter.maxProbability === undefined) return undefined;
  return {
    modelId: model?.id ?? 0,
    classId: filter.classId!,
    min: filter.minProbability ?? 0,
    max: filter.maxProbability ?? 1,
  };
}

/**
 * What a query computed over every photo (a sort's order, a filter's matches), kept until the
 * project is written to (by this connection or another): scrolling a filtered grid computes it once.
 */
const kept = new WeakMap<Db, { stamp: string; values: Map<string, unknown> }>();

function keep<T>(db: Db, key: string, compute: () => T): T {
  const dataVersion = db.pragma('data_version', { simple: true }) as number;
  const changes = db.prepare('SELECT total_changes()').pluck().get() as number;
  const stamp = `${dataVersion}:${changes}`;
  let entry = kept.get(db);
  if (entry?.stamp !== stamp) kept.set(db, (entry = { stamp, values: new Map() }));
  if (!entry.values.has(key)) entry.values.set(key, compute());
  return entry.values.get(key) as T;
}

/** Every photo in a sort's order: a filtered page walks it, picking its matches, instead of sorting them. */
const sortedIds = (db: Db, { sort, model }: ImageQuery): Int32Array =>
  keep(db, `order:${sort}:${model?.id}`, () =>
    Int32Array.from(matchingIds(db, { sort, ...(model ? { model } : {}) })),
  );

/**
 * The photos a filter with a probability range matches, as a membership array by id: the range from
 * the index, the class's label state from labels_by_class (two range reads, not a probe a photo),
 * then the other conditions on the range's photos.
 */
function rangeMatches(db: Db, query: ImageQuery, range: ScoreRange): { count: number; member: Uint8Array } {
  return keep(db, `matches:${range.modelId}:${JSON.stringify(query.filter)}`, () => {
    const { state, ...others } = query.filter!;
    const { condition, params } = compile({ ...query, filter: others });
    const ids = condition ? idsInRangeWhere(db, range, condition, params) : idsInRange(db, range);
    const member = new Uint8Array(ids.reduce((max, id) => Math.max(max, id), 0) + 1);
    for (const id of ids) member[id] = 1;
    let count = ids.length;
    if (state) {
      const labelled = db
        .prepare('SELECT image_id FROM labels WHERE class_id = ? AND (? IS NULL OR state = ?)')
        .pluck()
        .all(range.classId, state === 'unknown' ? null : state, state) as number[];
      const given = new Uint8Array(member.length);
      for (const id of labelled) if (id < given.length) given[id] = 1;
      const wanted = state === 'unknown' ? 0 : 1;
      count = 0;
      for (const id of ids) {
        if (given[id] === wanted) count += 1;
        else member[id] = 0;
      }
    }
    return { count, member };
  });
}

/** The matches of a probability range in the query's order, from `offset`, at most `limit` (-1: all). */
function rangeInOrder(db: Db, query: ImageQuery, range: ScoreRange, offset: number, limit: number): number[] {
  const { count, member } = rangeMatches(db, query, range);
  if (count <= offset) return [];
  const page: number[] = [];
  let skipped = 0;
  for (const id of sortedIds(db, query)) {
    if (member[id] !== 1 || skipped++ < offset) continue;
    page.push(id);
    if (page.length === limit) break;
  }
  return page;
}

/** One page of the grid, with every photo's labels. */
export function imagePage(
  db: Db,
  offset: number,
  limit: number,
  query: ImageQuery = { sort: 'name' },
): Omit<ImageSummary, 'predictions'>[] {
  const range = scoreRange(query);
  if (isPlain(query)) {
    // The offset is walked on the path index alone (it holds the id); only the page's rows are read.
    const rows = db
      .prepare(
        `SELECT ${rowColumns} FROM images i
          WHERE id IN (SELECT id FROM images ORDER BY path LIMIT ? OFFSET ?)
          ORDER BY path`,
      )
      .all(limit, offset) as Row[];
    return withLabels(db, rows);
  }
  if (isPlainByUncertainty(query) || range) {
    const ids = range
      ? rangeInOrder(db, query, range, offset, limit)
      : idsByUncertainty(db, query.model!.id, query.sort as 'uncertainty' | 'confidence', limit, offset);
    const byId = new Map(rowsById(db, ids).map((row) => [row.id, row]));
    return withLabels(
      db,
      ids.map((id) => byId.get(id)!),
    );
  }
  const { from, where, order, params } = compile(query);
  const rows = db
    .prepare(`SELECT ${rowColumns} FROM ${from} ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit, offset }) as Row[];
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
  const range = scoreRange(query);
  if (range) return rangeMatches(db, query, range).count;
  const { from, where, params } = compile(query);
  return (db.prepare(`SELECT count(*) AS n FROM ${from} ${where}`).get(params) as { n: number }).n;
}

export function matchingIds(db: Db, query: ImageQuery): number[] {
  const range = scoreRange(query);
  if (range) return rangeInOrder(db, query, range, 0, -1);
  if (isPlainByUncertainty(query))
    return idsByUncertainty(db, query.model!.id, query.sort as 'uncertainty' | 'confidence', -1, 0);
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
