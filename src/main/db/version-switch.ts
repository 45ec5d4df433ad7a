// The probability index's side of a version switch. The next version's index rows and review
// tallies are built beside the active version's, a chunk of photos a transaction, while the active
// version's stay in service; the switch itself is one short transaction; the rows of the version it
// replaced are then dropped a chunk at a time. Each step is one transaction, so a kill between two
// leaves one active version with counters true to its rows, and the job carries on from its cursor.
import type { ScoredClass } from './class-scores';
import type { Db } from './connection';
import { setActiveModel } from './models';
import { addTallies } from './review-tallies';

/** A (version, class) whose index rows no longer serve anything and are dropped after a switch. */
export interface RetiredScores {
  modelId: number;
  classId: number;
}

/**
 * The thresholds the classes will use once `modelId` is active: a class on a tuned threshold takes
 * that version's, where it has one (the class_threshold_in_use rule, for a version not yet active).
 */
export function thresholdsOnceActive(
  db: Db,
  modelId: number,
  classIds: readonly number[],
): Map<number, number> {
  const rows = db
    .prepare(
      `SELECT c.id AS classId,
              CASE WHEN c.threshold_source = 'tuned' AND t.threshold IS NOT NULL
                   THEN t.threshold ELSE c.threshold END AS threshold
         FROM json_each(?) AS ids CROSS JOIN classes c ON c.id = ids.value
         LEFT JOIN class_thresholds t ON t.model_id = ? AND t.class_id = c.id`,
    )
    .all(JSON.stringify(classIds), modelId) as { classId: number; threshold: number }[];
  return new Map(rows.map((row) => [row.classId, row.threshold]));
}

/**
 * Indexes the next `limit` photos `modelId` predicted after photo id `after`, for the classes of
 * `mapping`, and adds them to its review tallies; returns the last photo id indexed and the photos
 * indexed (null: none was left). The version's tallies are set aside while the rows go in, so the
 * tally triggers skip them at the cost of one probe; the chunk is then counted in one statement. Labels changed between two
 * chunks are kept by the triggers on the photos indexed so far, and counted with the others later.
 */
export function indexNextPhotos(
  db: Db,
  modelId: number,
  mapping: readonly ScoredClass[],
  after: number,
  limit: number,
): { last: number; photos: number } | null {
  const { last, photos } = db
    .prepare(
      `SELECT max(image_id) AS last, count(*) AS photos
         FROM (SELECT image_id FROM predictions WHERE model_id = ? AND image_id > ? ORDER BY image_id LIMIT ?)`,
    )
    .get(modelId, after, limit) as { last: number | null; photos: number };
  if (last === null) return null;
  const setAside = db
    .prepare('DELETE FROM review_tallies WHERE model_id = ? RETURNING *')
    .all(modelId) as Record<string, number>[];
  // OR IGNORE: a score that is not a number (NULL to SQLite) is in no range, so it gets no row.
  db.prepare(
    `INSERT OR IGNORE INTO class_scores (model_id, class_id, probability, image_id)
     SELECT @modelId, k.value ->> 'classId', prob(p.scores, k.value ->> 'modelIndex'), p.image_id
       FROM json_each(@mapping) AS k CROSS JOIN predictions p
      WHERE p.model_id = @modelId AND p.image_id > @after AND p.image_id <= @last`,
  ).run({ modelId, mapping: JSON.stringify(mapping), after, last });
  // Back, with a row at zero for each class the first chunk starts (at the threshold it will use).
  const held = new Set(setAside.map((row) => row.class_id));
  const starting = thresholdsOnceActive(
    db,
    modelId,
    mapping.filter(({ classId }) => !held.has(classId)).map(({ classId }) => classId),
  );
  const zero = {
    scored_above: 0,
    scored_below: 0,
    labelled_above: 0,
    labelled_below: 0,
    disputed_above: 0,
    disputed_below: 0,
  };
  const rows = [
    ...setAside,
    ...[...starting].map(([classId, threshold]) => ({
      class_id: classId,
      model_id: modelId,
      threshold,
      ...zero,
    })),
  ];
  db.prepare(
    `INSERT INTO review_tallies (class_id, model_id, threshold, scored_above, scored_below,
                                 labelled_above, labelled_below, disputed_above, disputed_below)
     SELECT value ->> 'class_id', value ->> 'model_id', value ->> 'threshold', value ->> 'scored_above',
            value ->> 'scored_below', value ->> 'labelled_above', value ->> 'labelled_below',
            value ->> 'disputed_above', value ->> 'disputed_below'
       FROM json_each(?)`,
  ).run(JSON.stringify(rows));
  addTallies(db, modelId, { after, last });
  return { last, photos };
}

/**
 * Makes `modelId` the active version over the index rows built for the classes of `mapping`: the
 * classes' sources name it, the tallies of every other version go. Returns the (version, class)
 * pairs whose rows no longer serve anything, for dropUnusedScores. Run in a transaction.
 */
export function switchActiveVersion(
  db: Db,
  modelId: number,
  mapping: readonly ScoredClass[],
): RetiredScores[] {
  const retired = db
    .prepare('SELECT model_id AS modelId, class_id AS classId FROM class_score_sources WHERE model_id != ?')
    .all(modelId) as RetiredScores[];
  const kept = new Set(mapping.map(({ classId }) => classId));
  const dropped = db
    .prepare('SELECT class_id AS classId FROM class_score_sources WHERE model_id = ?')
    .all(modelId) as { classId: number }[];
  setActiveModel(db, modelId);
  db.prepare('DELETE FROM class_score_sources').run();
  const source = db.prepare(
    'INSERT INTO class_score_sources (class_id, model_id, model_index) VALUES (?, ?, ?)',
  );
  for (const { classId, modelIndex } of mapping) source.run(classId, modelId, modelIndex);
  db.prepare('DELETE FROM review_tallies WHERE model_id != ?').run(modelId);
  return [
    ...retired,
    ...dropped.filter(({ classId }) => !kept.has(classId)).map(({ classId }) => ({ modelId, classId })),
  ];
}

/**
 * Index rows and tallies a switch left behind that no version uses: of versions neither active nor
 * `keep` (a switch cancelled, then another begun). Found by one probe per (version, class).
 */
export function abandonedScores(db: Db, keep: number): RetiredScores[] {
  db.prepare(
    'DELETE FROM review_tallies WHERE model_id != ? AND model_id NOT IN (SELECT id FROM models WHERE active = 1)',
  ).run(keep);
  return db
    .prepare(
      `SELECT m.id AS modelId, c.id AS classId FROM models m CROSS JOIN classes c
        WHERE m.active = 0 AND m.id != ?
          AND EXISTS (SELECT 1 FROM class_scores s WHERE s.model_id = m.id AND s.class_id = c.id)`,
    )
    .all(keep) as RetiredScores[];
}

/**
 * Drops up to about `limit` index rows of the first of `retired` that has any (ties at the cut go
 * too); returns the pairs still holding rows. Their tallies are gone, so no trigger counts them.
 */
export function dropUnusedScores(db: Db, retired: readonly RetiredScores[], limit: number): RetiredScores[] {
  const holds = db.prepare('SELECT 1 FROM class_scores WHERE model_id = ? AND class_id = ? LIMIT 1').pluck();
  const left = retired.filter(({ modelId, classId }) => holds.get(modelId, classId) !== undefined);
  const [first] = left;
  if (!first) return left;
  db.prepare(
    `DELETE FROM class_scores WHERE model_id = @modelId AND class_id = @classId
        AND probability <= coalesce((SELECT probability FROM class_scores
                                      WHERE model_id = @modelId AND class_id = @classId
                                      ORDER BY probability LIMIT 1 OFFSET @limit), 2)`,
  ).run({ ...first, limit });
  return holds.get(first.modelId, first.classId) === undefined ? left.slice(1) : left;
}
