// The per-class probability index (class_scores): the active version's probability of each project
// class it predicts, one row per (class, photo), ordered by probability. A probability filter, a
// count or a review queue reads the range it needs instead of decoding every photo's scores.
//
// Only the active version's rows are kept (100,000 photos × the classes it predicts, not that again
// per version): activating a version rewrites them. class_score_sources says which model output
// each class's rows were read from, so a change rewrites only the classes it changed.
import type { Db } from './connection';

/** A project class the active model predicts, and its index in the model's outputs. */
export interface ScoredClass {
  classId: number;
  modelIndex: number;
}

/**
 * Brings the index to the active model's predictions of the classes `mapping` names (none without
 * an active model): rows of a class no longer predicted, predicted by another output or another
 * version go; a class newly predicted is read from the stored predictions. Nothing is written when
 * the index already holds what it should.
 */
export function syncClassScores(db: Db, modelId: number | null, mapping: readonly ScoredClass[]): void {
  const held = new Map(
    (
      db
        .prepare(
          'SELECT class_id AS classId, model_id AS modelId, model_index AS modelIndex FROM class_score_sources',
        )
        .all() as (ScoredClass & { modelId: number })[]
    ).map((source) => [source.classId, source]),
  );
  const wanted = modelId === null ? [] : mapping;
  const same = (a: ScoredClass & { modelId: number }, b: ScoredClass) =>
    a.modelId === modelId && a.modelIndex === b.modelIndex;
  const stale = [...held.values()].filter(
    (source) => !wanted.some((entry) => entry.classId === source.classId && same(source, entry)),
  );
  const missing = wanted.filter((entry) => {
    const source = held.get(entry.classId);
    return !source || !same(source, entry);
  });
  if (stale.length === 0 && missing.length === 0) return;
  const forget = db.prepare('DELETE FROM class_scores WHERE model_id = ? AND class_id = ?');
  const forgetSource = db.prepare('DELETE FROM class_score_sources WHERE class_id = ?');
  const remember = db.prepare(
    'INSERT INTO class_score_sources (class_id, model_id, model_index) VALUES (?, ?, ?)',
  );
  // OR IGNORE: a score that is not a number (NULL to SQLite) is in no range, so it gets no row.
  const read = db.prepare(
    `INSERT OR IGNORE INTO class_scores (model_id, class_id, probability, image_id)
     SELECT model_id, ?, prob(scores, ?), image_id FROM predictions WHERE model_id = ?`,
  );
  db.transaction(() => {
    for (const source of stale) {
      forget.run(source.modelId, source.classId);
      forgetSource.run(source.classId);
    }
    for (const { classId, modelIndex } of missing) {
      remember.run(classId, modelId, modelIndex);
      read.run(classId, modelIndex, modelId);
    }
  })();
}

/**
 * Indexes photos' new predictions by `modelId`, for the classes the index holds of that model (none
 * when it is not the active one). Called in the transaction that stores the predictions.
 */
export function predictionIndexer(db: Db, modelId: number): (imageId: number, scores: Buffer) => void {
  const forget = db.prepare('DELETE FROM class_scores WHERE image_id = ? AND model_id = ?');
  const read = db.prepare(
    `INSERT OR IGNORE INTO class_scores (model_id, class_id, probability, image_id)
     SELECT model_id, class_id, prob(@scores, model_index), @imageId FROM class_score_sources
      WHERE model_id = @modelId`,
  );
  return (imageId, scores) => {
    forget.run(imageId, modelId);
    read.run({ modelId, imageId, scores });
  };
}

/** A closed probability range of one class, as the active model `modelId` predicts it. */
export interface ScoreRange {
  modelId: number;
  classId: number;
  min: number;
  max: number;
}

/** The range's condition on the rows of class_scores `s`. */
const inRange = (s: string) =>
  `${s}.model_id = @modelId AND ${s}.class_id = @classId AND ${s}.probability BETWEEN @min AND @max`;

/** The photos in the range, in the index's order (by probability, then id). */
export function idsInRange(db: Db, range: ScoreRange): number[] {
  return db
    .prepare(`SELECT image_id FROM class_scores s WHERE ${inRange('s')} ORDER BY probability, image_id`)
    .pluck()
    .all(range) as number[];
}

export function countInRange(db: Db, range: ScoreRange): number {
  return db
    .prepare(`SELECT count(*) FROM class_scores s WHERE ${inRange('s')}`)
    .pluck()
    .get(range) as number;
}

/**
 * The photos in the range that also meet `condition`, a SQL condition over the photo `i` and its
 * prediction by the model `p` (with the named parameters in `params`), in no particular order.
 */
export function idsInRangeWhere(
  db: Db,
  range: ScoreRange,
  condition: string,
  params: Record<string, unknown>,
): number[] {
  return db
    .prepare(
      `SELECT i.id FROM class_scores s
         CROSS JOIN images i ON i.id = s.image_id
         LEFT JOIN predictions p ON p.image_id = i.id AND p.model_id = s.model_id
        WHERE ${inRange('s')} AND ${condition}`,
    )
    .pluck()
    .all({ ...params, ...range }) as number[];
}

export interface ScoredPhoto {
  imageId: number;
  probability: number;
}

/**
 * The photos of a class nearest a threshold on one side, nearest first: 'above' those at or above it
 * (probability ascending), 'below' those under it (descending); `after` continues a scan from the
 * last photo of the previous page. A queue near a threshold merges the two scans.
 */
export function nearestToThreshold(
  db: Db,
  scan: {
    modelId: number;
    classId: number;
    threshold: number;
    side: 'above' | 'below';
    limit: number;
    after?: ScoredPhoto;
  },
): ScoredPhoto[] {
  const { side, after, ...params } = scan;
  const [bound, next, order] =
    side === 'above'
      ? ['probability >= @threshold', '(probability, image_id) > (@p, @id)', 'probability, image_id']
      : [
          'probability < @threshold',
          '(probability, image_id) < (@p, @id)',
          'probability DESC, image_id DESC',
        ];
  return db
    .prepare(
      `SELECT image_id AS imageId, probability FROM class_scores
        WHERE model_id = @modelId AND class_id = @classId AND ${bound} ${after ? `AND ${next}` : ''}
        ORDER BY ${order} LIMIT @limit`,
    )
    .all({ ...params, p: after?.probability ?? null, id: after?.imageId ?? null }) as ScoredPhoto[];
}
