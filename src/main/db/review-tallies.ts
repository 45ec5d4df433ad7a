// What the review queues count, per class and version (review_tallies, migrations 8 and 11): so a
// queue's total costs what its page costs, not a walk over every prediction and label. Over the
// probability index (class_scores) of a class by a version, on each side of a threshold: its photos,
// those with a label of the class, and the labels the version disputes. Triggers on labels and
// class_scores keep a row true as labels and predictions change; a missing row is counted here, and
// one counted at another threshold than the one in use moved to it, when a queue reads it. Rows of
// the active version serve the queues; a version switch keeps its next version's as it builds them.
import type { Db } from './connection';

/**
 * The one rule for a label `l` the version `modelId` disputes: a label a person or an import gave (a
 * pre-label a person accepted came from the model), not settled in review against this version
 * (labels.reviewed_model_id), that the model contradicts at the threshold: a negative at or above
 * it, a positive below it (the off-diagonal of confident learning's confident joint, Northcutt et
 * al., JAIR 2021). `above`: the label's probability is at or above the threshold. Migration 10's
 * triggers spell it out too.
 */
export const disputedLabel = (l: string, above: string, modelId: string) =>
  `(${l}.source IN ('human', 'imported') AND ${l}.reviewed_model_id IS NOT ${modelId}
    AND ${l}.state = CASE WHEN ${above} THEN 'negative' ELSE 'positive' END)`;

/** A class's pairs in the uncertain and disputed queues, on each side of its threshold in use. */
export interface ClassTally {
  classId: number;
  threshold: number;
  /** Photos the version scored for the class. */
  scored: { above: number; below: number };
  /** Of those, the photos without a label of the class. */
  unknown: { above: number; below: number };
  /** Labels of the class the version disputes: negatives above, positives below. */
  disputed: { above: number; below: number };
}

interface TallyRow {
  classId: number;
  threshold: number;
  scoredAbove: number;
  scoredBelow: number;
  labelledAbove: number;
  labelledBelow: number;
  disputedAbove: number;
  disputedBelow: number;
}

/**
 * Each class's tally for the version `modelId` (the active one, whose rows class_scores holds) at
 * its threshold in use: counted, in one statement, for the classes whose row is missing; moved to
 * the threshold in use for those counted at another.
 */
export function queueTallies(
  db: Db,
  modelId: number,
  classes: readonly { classId: number; threshold: number }[],
): ClassTally[] {
  const read = () =>
    new Map(
      (
        db
          .prepare(
            `SELECT class_id AS classId, threshold, scored_above AS scoredAbove,
                    scored_below AS scoredBelow, labelled_above AS labelledAbove,
                    labelled_below AS labelledBelow, disputed_above AS disputedAbove,
                    disputed_below AS disputedBelow
               FROM review_tallies WHERE model_id = ?`,
          )
          .all(modelId) as TallyRow[]
      ).map((row) => [row.classId, row]),
    );
  let held = read();
  const moved = classes.filter(({ classId, threshold }) => {
    const row = held.get(classId);
    return row && row.threshold !== threshold;
  });
  const stale = classes.filter(({ classId }) => !held.has(classId));
  for (const { classId, threshold } of moved)
    moveThreshold(db, modelId, classId, held.get(classId)!.threshold, threshold);
  if (stale.length > 0) recount(db, modelId, stale);
  if (moved.length + stale.length > 0) held = read();
  return classes.map(({ classId, threshold }) => {
    const row = held.get(classId)!;
    return {
      classId,
      threshold,
      scored: { above: row.scoredAbove, below: row.scoredBelow },
      unknown: { above: row.scoredAbove - row.labelledAbove, below: row.scoredBelow - row.labelledBelow },
      disputed: { above: row.disputedAbove, below: row.disputedBelow },
    };
  });
}

/** Counts the classes' tallies over the index rows of `modelId`, at the thresholds given. */
export function recount(
  db: Db,
  modelId: number,
  classes: readonly { classId: number; threshold: number }[],
): void {
  db.prepare(
    `WITH k AS (SELECT value ->> 'classId' AS class_id, value ->> 'threshold' AS threshold
                  FROM json_each(@classes)),
          scored AS (
            SELECT k.class_id, sum(s.probability >= k.threshold) AS above, count(*) AS rows
              FROM k CROSS JOIN class_scores s ON s.model_id = @modelId AND s.class_id = k.class_id
             GROUP BY k.class_id),
          labelled AS (
            SELECT k.class_id, sum(s.probability >= k.threshold) AS above, count(*) AS rows,
                   sum(${disputedLabel('l', 's.probability >= k.threshold', '@modelId')}
                       AND s.probability >= k.threshold) AS disputed_above,
                   sum(${disputedLabel('l', 's.probability >= k.threshold', '@modelId')}
                       AND s.probability < k.threshold) AS disputed_below
              FROM k CROSS JOIN labels l ON l.class_id = k.class_id
              JOIN class_scores s ON s.image_id = l.image_id AND s.class_id = l.class_id AND s.model_id = @modelId
             GROUP BY k.class_id)
     INSERT OR REPLACE INTO review_tallies (class_id, model_id, threshold, scored_above, scored_below,
                                            labelled_above, labelled_below, disputed_above, disputed_below)
     SELECT k.class_id, @modelId, k.threshold,
            coalesce(s.above, 0), coalesce(s.rows - s.above, 0),
            coalesce(l.above, 0), coalesce(l.rows - l.above, 0),
            coalesce(l.disputed_above, 0), coalesce(l.disputed_below, 0)
       FROM k LEFT JOIN scored s ON s.class_id = k.class_id LEFT JOIN labelled l ON l.class_id = k.class_id`,
  ).run({ modelId, classes: JSON.stringify(classes) });
}

/** Photo ids (after, last]: the photos a version switch indexed in one chunk. */
export interface PhotoRange {
  after: number;
  last: number;
}

/**
 * Adds the index rows of `modelId` for the photos in `range` to its tallies, each class's at the
 * threshold its row holds: rows written while the tallies were set aside, which the triggers did
 * not count. The range is read by photo, its rows once: CROSS JOIN keeps the photos outside, as
 * the planner would otherwise walk the version's every index row for each chunk.
 */
export function addTallies(db: Db, modelId: number, range: PhotoRange): void {
  const above = 's.probability >= t.threshold';
  db.prepare(
    `WITH scored AS (
       SELECT s.class_id, sum(${above}) AS above, count(*) AS rows
         FROM class_scores s INDEXED BY class_scores_by_image
         CROSS JOIN review_tallies t ON t.class_id = s.class_id AND t.model_id = s.model_id
        WHERE s.image_id > @after AND s.image_id <= @last AND s.model_id = @modelId
        GROUP BY s.class_id),
     labelled AS (
       SELECT l.class_id, sum(${above}) AS above, count(*) AS rows,
              sum(${disputedLabel('l', above, '@modelId')} AND ${above}) AS disputed_above,
              sum(${disputedLabel('l', above, '@modelId')} AND NOT ${above}) AS disputed_below
         FROM labels l
         CROSS JOIN class_scores s
           ON s.image_id = l.image_id AND s.class_id = l.class_id AND s.model_id = @modelId
         CROSS JOIN review_tallies t ON t.class_id = l.class_id AND t.model_id = @modelId
        WHERE l.image_id > @after AND l.image_id <= @last
        GROUP BY l.class_id),
     counts AS (
       SELECT t.class_id, coalesce(s.above, 0) AS scored_above, coalesce(s.rows - s.above, 0) AS scored_below,
              coalesce(l.above, 0) AS labelled_above, coalesce(l.rows - l.above, 0) AS labelled_below,
              coalesce(l.disputed_above, 0) AS disputed_above, coalesce(l.disputed_below, 0) AS disputed_below
         FROM review_tallies t LEFT JOIN scored s ON s.class_id = t.class_id
         LEFT JOIN labelled l ON l.class_id = t.class_id
        WHERE t.model_id = @modelId)
     UPDATE review_tallies SET scored_above = review_tallies.scored_above + c.scored_above,
            scored_below = review_tallies.scored_below + c.scored_below,
            labelled_above = review_tallies.labelled_above + c.labelled_above,
            labelled_below = review_tallies.labelled_below + c.labelled_below,
            disputed_above = review_tallies.disputed_above + c.disputed_above,
            disputed_below = review_tallies.disputed_below + c.disputed_below
       FROM counts c WHERE review_tallies.class_id = c.class_id AND review_tallies.model_id = @modelId`,
  ).run({ modelId, ...range });
}

/**
 * Moves a class's tally from threshold `from` to `to`: only the rows between the two change side
 * (a threshold nudged costs the rows it passes, not the class's every label).
 */
function moveThreshold(db: Db, modelId: number, classId: number, from: number, to: number): void {
  // Lowered, the rows in [to, from) go above it; raised, those in [from, to) go below.
  const up = to < from ? 1 : -1;
  db.prepare(
    `WITH moved AS (
       SELECT count(*) AS scored, count(l.image_id) AS labelled,
              coalesce(sum(${disputedLabel('l', '1', '@modelId')}), 0) AS negatives,
              coalesce(sum(${disputedLabel('l', '0', '@modelId')}), 0) AS positives
         FROM class_scores s LEFT JOIN labels l ON l.image_id = s.image_id AND l.class_id = s.class_id
        WHERE s.model_id = @modelId AND s.class_id = @classId AND s.probability >= @low AND s.probability < @high)
     UPDATE review_tallies SET threshold = @to,
            scored_above = scored_above + @up * moved.scored, scored_below = scored_below - @up * moved.scored,
            labelled_above = labelled_above + @up * moved.labelled,
            labelled_below = labelled_below - @up * moved.labelled,
            -- Negatives going above are disputed there, positives going above no longer below.
            disputed_above = disputed_above + @up * moved.negatives,
            disputed_below = disputed_below - @up * moved.positives
       FROM moved WHERE class_id = @classId AND model_id = @modelId`,
  ).run({ modelId, classId, to, up, low: Math.min(from, to), high: Math.max(from, to) });
}
