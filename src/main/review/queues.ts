// Review queues: where a curator's minutes do the most good. 'disputed' lists labels the model
// contradicts, most likely wrong first (not those a person kept in review against this version:
// disputedLabel in review-tallies.ts); 'uncertain' the unknown (photo, class) pairs nearest their
// class's threshold; 'next' the unlabelled photos the model is least sure of, near-duplicates spread.
//
// A page is read from the probability index (class_scores), in rank order per class, and the
// totals from the per-class tallies kept beside it (review-tallies.ts); 'next' from the partial
// index of unlabelled photos' predictions. None walks every prediction.
import type { ClassInfo, LabelSource, LabelState, ReviewItem, ReviewQueue } from '$shared/contract';
import { listClasses } from '../db/classes';
import { disputedFirstPage, uncertainFirstPage } from '../db/class-scores';
import type { Db } from '../db/connection';
import { queueTallies, type ClassTally } from '../db/review-tallies';
import { projectModel } from '../library/grid';
import type { Project } from '../project';

/** The project classes the active version predicts, with the model index and threshold in use. */
interface QueueClass {
  id: number;
  name: string;
  index: number;
  threshold: number;
}

interface Active {
  modelId: number;
  classes: QueueClass[];
}

function activeClasses(project: Project): Active | null {
  const classes = listClasses(project.db);
  const active = projectModel(project, classes);
  if (!active || active.mapping.length === 0) return null;
  const byId = new Map<number, ClassInfo>(classes.map((c) => [c.id, c]));
  return {
    modelId: active.model.id,
    classes: active.mapping.map((entry) => ({
      id: entry.classId,
      name: entry.className,
      index: entry.modelIndex,
      threshold: byId.get(entry.classId)!.threshold,
    })),
  };
}

const fixed = (value: number) => value.toFixed(2);

interface Row {
  imageId: number;
  classId: number;
  given: LabelState | null;
  source: LabelSource | null;
  probability: number;
  threshold: number;
  score: number;
}

/**
 * A page of a per-class queue, read from the probability index (class_scores) in rank order: the
 * first offset + limit pairs, then the page's labels; the total from the classes' tallies.
 */
function classQueue(
  db: Db,
  active: Active,
  queue: 'disputed' | 'uncertain',
  offset: number,
  limit: number,
): { total: number; rows: Row[] } {
  const tallies = queueTallies(db, active.modelId, classesOf(active));
  const firstPage = queue === 'disputed' ? disputedFirstPage : uncertainFirstPage;
  const pairs = firstPage(db, active.modelId, tallies, offset + limit).slice(offset);
  const label = db.prepare('SELECT state, source FROM labels WHERE image_id = ? AND class_id = ?');
  const thresholds = new Map(tallies.map((c) => [c.classId, c.threshold]));
  const rows = pairs.map((pair): Row => {
    const given = label.get(pair.imageId, pair.classId) as
      { state: LabelState; source: LabelSource } | undefined;
    return {
      ...pair,
      given: given?.state ?? null,
      source: given?.source ?? null,
      threshold: thresholds.get(pair.classId)!,
    };
  });
  return { total: totalOf(tallies, queue), rows };
}

const classesOf = (active: Active) => active.classes.map((c) => ({ classId: c.id, threshold: c.threshold }));

const totalOf = (tallies: ClassTally[], queue: 'disputed' | 'uncertain') =>
  tallies.reduce((sum, tally) => {
    const pairs = queue === 'disputed' ? tally.disputed : tally.unknown;
    return sum + pairs.above + pairs.below;
  }, 0);

function disputedReason(row: Row, name: string): string {
  const given = row.given === 'positive' ? name : `not ${name}`;
  return `labelled ${given} (${row.source}), the model gives ${name} ${fixed(row.probability)} at threshold ${fixed(row.threshold)}`;
}

function uncertainReason(row: Row, name: string): string {
  const side = row.probability >= row.threshold ? 'above' : 'below';
  return `${name} unknown, the model gives ${fixed(row.probability)}, ${fixed(row.score)} ${side} threshold ${fixed(row.threshold)}`;
}

/**
 * Two photos whose probabilities differ by at most this for every class look alike to the model:
 * near-duplicates of a burst, as far as labelling them goes.
 */
const nearDuplicate = 0.05;
/** A photo is kept this many places away from one that looks alike to the model. */
const spread = 20;

export interface NextCandidate {
  imageId: number;
  uncertainty: number;
  probabilities: number[];
}

/**
 * Unlabelled predicted photos, most uncertain first (uncertainty sampling: 1 − min |2p − 1| over the
 * project's classes), diversified so a burst of near-duplicates does not fill a page: at each place
 * the highest ranked photo not within `nearDuplicate` (L∞ over the class probabilities) of the last
 * `spread` photos taken goes next; a photo passed over waits, ahead of lower ranked ones, until it
 * no longer looks like a recent one (or nothing else is left). A greedy, windowed form of
 * uncertainty with diversity (Brinker, ICML 2003), deterministic, with no clustering and no
 * quadratic pass: the order does not depend on the page asked for, so pages never overlap.
 */
function* nextOrder(db: Db, active: Active): Generator<NextCandidate> {
  const stream = db
    .prepare(
      `SELECT image_id AS imageId, uncertainty, scores FROM predictions INDEXED BY predictions_unlabelled
        WHERE model_id = ? AND labelled = 0 AND uncertainty IS NOT NULL
        ORDER BY uncertainty DESC, image_id DESC`,
    )
    .iterate(active.modelId) as IterableIterator<{ imageId: number; uncertainty: number; scores: Buffer }>;
  const candidates = function* () {
    for (const { imageId, uncertainty, scores } of stream)
      yield {
        imageId,
        uncertainty,
        probabilities: active.classes.map((c) => scores.readFloatLE(c.index * 4)),
      };
  };
  try {
    yield* diversified(candidates());
  } finally {
    // A page stops reading early: the statement must end, or the connection stays busy.
    stream.return?.();
  }
}

/** `ranked` reordered as the 'next' queue spreads near-duplicates (see nextOrder). */
export function* diversified(ranked: Iterator<NextCandidate, unknown>): Generator<NextCandidate> {
  const recent: NextCandidate[] = [];
  const alike = (a: NextCandidate) =>
    recent.some((b) => a.probabilities.every((p, i) => Math.abs(p - b.probabilities[i]!) <= nearDuplicate));
  const waiting: NextCandidate[] = [];
  for (;;) {
    let chosen: NextCandidate | undefined;
    const waited = waiting.findIndex((candidate) => !alike(candidate));
    if (waited !== -1) chosen = waiting.splice(waited, 1)[0];
    while (!chosen) {
      const { done, value: candidate } = ranked.next();
      if (done) break;
      if (alike(candidate)) waiting.push(candidate);
      else chosen = candidate;
    }
    chosen ??= waiting.shift();
    if (!chosen) return;
    yield chosen;
    recent.push(chosen);
    if (recent.length > spread) recent.shift();
  }
}

function nextQueue(db: Db, active: Active, offset: number, limit: number): Page {
  const total = countNext(db, active);
  const items: Page['items'] = [];
  let place = 0;
  for (const candidate of nextOrder(db, active)) {
    if (place++ < offset) continue;
    // The least certain class: the one whose probability is nearest 0.5, where uncertainty is measured.
    let least = 0;
    candidate.probabilities.forEach((p, i) => {
      if (Math.abs(p - 0.5) < Math.abs(candidate.probabilities[least]! - 0.5)) least = i;
    });
    const probability = candidate.probabilities[least]!;
    items.push({
      imageId: candidate.imageId,
      classId: null,
      className: null,
      given: null,
      source: null,
      probability,
      threshold: 0.5,
      score: candidate.uncertainty,
      reason: `no label yet, the model is least sure of ${active.classes[least]!.name} (${fixed(probability)}, uncertainty ${fixed(candidate.uncertainty)})`,
    });
    if (items.length === limit) break;
  }
  return { total, items };
}

function countNext(db: Db, active: Active): number {
  return db
    .prepare(
      `SELECT count(*) FROM predictions INDEXED BY predictions_unlabelled
        WHERE model_id = ? AND labelled = 0 AND uncertainty IS NOT NULL`,
    )
    .pluck()
    .get(active.modelId) as number;
}

/** A page of a queue's items, before each is given its photo's path. */
interface Page {
  total: number;
  items: Omit<ReviewItem, 'path'>[];
}

/** A page of a review queue; empty before the project has a model that predicts one of its classes. */
export function reviewQueue(
  project: Project,
  { queue, offset, limit }: { queue: ReviewQueue; offset: number; limit: number },
): { total: number; items: ReviewItem[] } {
  const active = activeClasses(project);
  if (!active) return { total: 0, items: [] };
  const page =
    queue === 'next'
      ? nextQueue(project.db, active, offset, limit)
      : classPage(project.db, active, queue, offset, limit);
  const path = project.db.prepare('SELECT path FROM images WHERE id = ?').pluck();
  return { ...page, items: page.items.map((item) => ({ ...item, path: path.get(item.imageId) as string })) };
}

function classPage(
  db: Db,
  active: Active,
  queue: 'disputed' | 'uncertain',
  offset: number,
  limit: number,
): Page {
  const names = new Map(active.classes.map((c) => [c.id, c.name]));
  const { total, rows } = classQueue(db, active, queue, offset, limit);
  const reason = queue === 'disputed' ? disputedReason : uncertainReason;
  return {
    total,
    items: rows.map((row) => {
      const className = names.get(row.classId)!;
      return { ...row, className, reason: reason(row, className) };
    }),
  };
}

export function reviewCounts(project: Project): { disputed: number; uncertain: number; next: number } {
  const active = activeClasses(project);
  if (!active) return { disputed: 0, uncertain: 0, next: 0 };
  const { db } = project;
  const tallies = queueTallies(db, active.modelId, classesOf(active));
  return {
    disputed: totalOf(tallies, 'disputed'),
    uncertain: totalOf(tallies, 'uncertain'),
    next: countNext(db, active),
  };
}
