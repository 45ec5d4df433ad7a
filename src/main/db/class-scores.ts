// The per-class probability index (class_scores): the active version's probability of each project
// class it predicts, one row per (class, photo), ordered by probability. A probability filter, a
// count or a review queue reads the range it needs instead of decoding every photo's scores.
//
// Only the active version's rows are kept (100,000 photos × the classes it predicts, not that again
// per version): activating a version rewrites them. class_score_sources says which model output
// each class's rows were read from, so a change rewrites only the classes it changed.
import type { Db } from './connection';
import { disputedLabel, recount, type ClassTally } from './review-tallies';
import { writeTransaction } from './transaction';

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
  // Sorted first, the rows go into the index in its order: appended, not scattered over pages.
  const read = db.prepare(
    `INSERT OR IGNORE INTO class_scores (model_id, class_id, probability, image_id)
     SELECT model_id, ?, prob(scores, ?) AS probability, image_id FROM predictions WHERE model_id = ?
      ORDER BY probability, image_id`,
  );
  // The review tallies of the classes rewritten go first, so the triggers that keep them skip the
  // rows a class at a time; they are counted once at the end.
  const untally = db.prepare('DELETE FROM review_tallies WHERE class_id = ? AND model_id = ?');
  const inUse = db.prepare('SELECT threshold FROM class_threshold_in_use WHERE class_id = ?').pluck();
  writeTransaction(db, () => {
    for (const source of stale) untally.run(source.classId, source.modelId);
    for (const { classId } of missing) untally.run(classId, modelId);
    for (const source of stale) {
      forget.run(source.modelId, source.classId);
      forgetSource.run(source.classId);
    }
    for (const { classId, modelIndex } of missing) {
      remember.run(classId, modelId, modelIndex);
      read.run(classId, modelIndex, modelId);
    }
    if (modelId !== null && missing.length > 0)
      recount(
        db,
        modelId,
        missing.map(({ classId }) => ({ classId, threshold: inUse.get(classId) as number })),
      );
  });
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

/** A (photo, class) pair of a review queue, with its rank key (lower first). */
export interface QueuePair extends ScoredPhoto {
  classId: number;
  score: number;
}

interface Scan {
  modelId: number;
  classId: number;
  threshold: number;
}

/**
 * One class's side of the threshold in rank order, a chunk of rows at a time (each chunk from the
 * last row of the one before, on the index): from the threshold outwards (nearest first) or from
 * the far end inwards (most extreme first), up to the probability `far` (inclusive). Chunks grow,
 * so a scan that finds its matches early reads little and one that does not reads few statements.
 */
function* scanSide(
  db: Db,
  scan: Scan,
  side: 'above' | 'below',
  from: 'threshold' | 'end',
  firstChunk: number,
  far: number,
): Generator<ScoredPhoto[]> {
  const ascending = (side === 'above') === (from === 'threshold');
  const sideBound = `probability ${side === 'above' ? '>=' : '<'} @threshold`;
  const farBound = `probability ${ascending ? '<=' : '>='} @far`;
  // From the far end, both bound where the scan stops: only the nearer is given, as the index range
  // takes one bound an end and would otherwise read on to the threshold.
  const farNearer = side === 'above' ? far >= scan.threshold : far < scan.threshold;
  const bounds = from === 'threshold' ? `${sideBound} AND ${farBound}` : farNearer ? farBound : sideBound;
  const sql = (after: string) =>
    `SELECT image_id AS imageId, probability FROM class_scores
      WHERE model_id = @modelId AND class_id = @classId AND ${bounds} ${after}
      ORDER BY ${ascending ? 'probability, image_id' : 'probability DESC, image_id DESC'} LIMIT @chunk`;
  const first = db.prepare(sql(''));
  // The bound on probability alone is what the index range starts from; the pair skips the ties read.
  const [bound, pair] = ascending ? ['>=', '>'] : ['<=', '<'];
  const next = db.prepare(sql(`AND probability ${bound} @p AND (probability, image_id) ${pair} (@p, @id)`));
  let chunk = firstChunk;
  let rows = first.all({ ...scan, far, chunk }) as ScoredPhoto[];
  while (rows.length > 0) {
    yield rows;
    if (rows.length < chunk) return;
    const last = rows[rows.length - 1]!;
    chunk *= 4;
    rows = next.all({ ...scan, far, chunk, p: last.probability, id: last.imageId }) as ScoredPhoto[];
  }
}

/**
 * The first `limit` photos of a scan that `keep` keeps (it takes a chunk's candidates and returns
 * those kept, in their order), of the `count` the scan holds (its tally): membership is tested on
 * whole chunks, so a photo costs no statement, and the scan ends once it found them all. Photos
 * tied with the last one come too: the queue breaks ties by photo id, a downward scan does not.
 */
function firstKept(
  scans: Generator<ScoredPhoto[]>,
  keep: (candidates: ScoredPhoto[]) => ScoredPhoto[],
  limit: number,
  count: number,
): ScoredPhoto[] {
  const found: ScoredPhoto[] = [];
  if (count === 0) return found;
  for (const rows of scans) {
    found.push(...keep(rows));
    if (found.length === count) break;
    if (found.length >= limit && rows[rows.length - 1]!.probability !== found[limit - 1]!.probability) break;
  }
  const cut = found[limit - 1]?.probability;
  return found.filter((row, i) => i < limit || row.probability === cut);
}

/**
 * A chunk's photos that `condition` (over the photo id `ids.value`, the class @classId and the
 * version @modelId) keeps, in the chunk's order: one statement a chunk, each photo a probe of its
 * labels, in photo id order (the labels' key order, so neighbouring probes share pages).
 */
function keptBy(
  db: Db,
  modelId: number,
  classId: number,
  condition: string,
): (rows: ScoredPhoto[]) => ScoredPhoto[] {
  const kept = db.prepare(`SELECT ids.value FROM json_each(@ids) AS ids WHERE ${condition}`).pluck();
  return (rows) => {
    const ids = JSON.stringify(rows.map((row) => row.imageId).sort((a, b) => a - b));
    const keep = new Set(kept.all({ ids, classId, modelId }) as number[]);
    return rows.filter((row) => keep.has(row.imageId));
  };
}

const byScore = (a: QueuePair, b: QueuePair) =>
  a.score - b.score || a.imageId - b.imageId || a.classId - b.classId;

/** One class's side of a queue, as firstPairs scans it. */
interface SideScan {
  classId: number;
  threshold: number;
  side: 'above' | 'below';
  from: 'threshold' | 'end';
  /** The side's pairs in the queue, from its tally. */
  count: number;
  /** What a photo of the side meets to be in the queue (see keptBy); null: every photo does. */
  condition: string | null;
  /** A probability's rank key. */
  score: (p: number) => number;
  /** The farthest probability of the side whose rank key is at most `score`. */
  reach: (score: number) => number;
}

/**
 * Rank keys are differences of floats: a bound on the probability read from one is widened by this,
 * so a row tied with the cut is read (one read too many is merged away).
 */
const slack = 1e-9;

/**
 * The first `limit` pairs of the scans' sides, merged: each side scanned in rank order, up to the
 * rank key of the `limit`th pair found so far (no pair past it can make the page), until it found
 * the pairs its tally counts.
 */
function firstPairs(db: Db, modelId: number, scans: readonly SideScan[], limit: number): QueuePair[] {
  let page: QueuePair[] = [];
  for (const scan of scans) {
    if (scan.count === 0) continue;
    const cut = page.length === limit ? page[limit - 1]!.score + slack : Infinity;
    const found = firstKept(
      scanSide(db, { modelId, ...scan }, scan.side, scan.from, limit, scan.reach(cut)),
      scan.condition === null ? (rows) => rows : keptBy(db, modelId, scan.classId, scan.condition),
      limit,
      scan.count,
    );
    const pairs = found.map((photo) => ({
      ...photo,
      classId: scan.classId,
      score: scan.score(photo.probability),
    }));
    page = [...page, ...pairs].sort(byScore).slice(0, limit);
  }
  return page;
}

/**
 * The first `limit` pairs of the uncertain queue, from the index: unknown (photo, class) pairs
 * nearest their class's threshold (score |p − t|), two scans a class from the threshold outwards.
 */
export function uncertainFirstPage(
  db: Db,
  modelId: number,
  tallies: readonly ClassTally[],
  limit: number,
): QueuePair[] {
  // A side without labels of the class (a class nobody labelled yet, say) needs no label probe.
  const condition = (unknown: number, scored: number) =>
    unknown === scored
      ? null
      : 'NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = ids.value AND l.class_id = @classId)';
  return firstPairs(
    db,
    modelId,
    tallies.flatMap(({ classId, threshold, unknown, scored }) => [
      {
        classId,
        threshold,
        side: 'above',
        from: 'threshold',
        count: unknown.above,
        condition: condition(unknown.above, scored.above),
        score: (p) => p - threshold,
        reach: (score) => threshold + score,
      },
      {
        classId,
        threshold,
        side: 'below',
        from: 'threshold',
        count: unknown.below,
        condition: condition(unknown.below, scored.below),
        score: (p) => threshold - p,
        reach: (score) => threshold - score,
      },
    ]),
    limit,
  );
}

/**
 * The first `limit` pairs of the disputed queue, from the index: labels the version disputes
 * (disputedLabel), lowest self-confidence first (p for a positive, 1 − p for a negative, as
 * cleanlab's find_label_issues ranked_by 'self_confidence'): positives scanned up from 0 below the
 * threshold, negatives down from 1 at or above it.
 */
export function disputedFirstPage(
  db: Db,
  modelId: number,
  tallies: readonly ClassTally[],
  limit: number,
): QueuePair[] {
  const condition = (above: string) =>
    `EXISTS (SELECT 1 FROM labels l WHERE l.image_id = ids.value AND l.class_id = @classId
                AND ${disputedLabel('l', above, '@modelId')})`;
  return firstPairs(
    db,
    modelId,
    tallies.flatMap(({ classId, threshold, disputed }) => [
      {
        classId,
        threshold,
        side: 'below',
        from: 'end',
        count: disputed.below,
        condition: condition('0'),
        score: (p) => p,
        reach: (score) => score,
      },
      {
        classId,
        threshold,
        side: 'above',
        from: 'end',
        count: disputed.above,
        condition: condition('1'),
        score: (p) => 1 - p,
        reach: (score) => 1 - score,
      },
    ]),
    limit,
  );
}
