// Per-class thresholds chosen on the val split for the active version. One threshold for every
// class (0.5) suits few of them: a rare class's probabilities sit lower, a common one's higher.
import type { ThresholdRule, TunedThreshold } from '$shared/contract';
import { now } from '../db/connection';
import { writeTransaction } from '../db/transaction';
import { splitTruth } from '../training/evaluate';
import type { Project } from '../project';

/** Fewer positive val labels than this give a threshold that fits a handful of photos: not tuned. */
export const minValPositives = 5;

export interface Cut {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Every distinct way of cutting the val photos of one class by score, highest threshold first: the
 * photos scoring at least the k-th distinct score are positive. Each cut's threshold is the midpoint
 * between that score and the next lower one, so a score a hair off a val photo's decides alike.
 */
export function cuts(scores: readonly number[], truth: readonly (0 | 1)[]): Cut[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const positives = truth.filter((t) => t === 1).length;
  const result: Cut[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const score = scores[order[k]!]!;
    if (truth[order[k]!] === 1) tp += 1;
    else fp += 1;
    const next = k + 1 < order.length ? scores[order[k + 1]!]! : undefined;
    if (next === score) continue;
    const precision = tp / (tp + fp);
    const recall = positives === 0 ? 0 : tp / positives;
    result.push({
      threshold: next === undefined ? score : (score + next) / 2,
      precision,
      recall,
      f1: tp === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    });
  }
  return result;
}

/**
 * The cut a rule picks: best F1 (the highest threshold among equals), or the lowest threshold whose
 * precision reaches `minPrecision` (the most recall at that precision); null when none does.
 */
export function pickCut(all: readonly Cut[], rule: ThresholdRule, minPrecision: number): Cut | null {
  if (rule === 'f1')
    return all.reduce<Cut | null>((best, cut) => (!best || cut.f1 > best.f1 ? cut : best), null);
  return all.findLast((cut) => cut.precision >= minPrecision) ?? null;
}

/**
 * Tunes every project class the active version predicts on val and stores the result for that
 * version, replacing what was tuned before; a class the rule cannot tune keeps no tuned value.
 */
export function tuneThresholds(
  project: Project,
  { rule, minPrecision }: { rule: ThresholdRule; minPrecision: number },
): TunedThreshold[] {
  const { db } = project;
  const { model, mapping, scores, truth } = splitTruth(project, 'val');
  const results = mapping.map((entry, column): TunedThreshold => {
    const labelled = truth.flatMap((row, i) => (row[column] === null ? [] : [i]));
    const positives = labelled.filter((i) => truth[i]![column] === 1).length;
    const base = { classId: entry.classId, class: entry.className, valLabels: labelled.length };
    const untuned = (note: string) => ({
      ...base,
      threshold: null,
      precision: null,
      recall: null,
      f1: null,
      note,
    });
    if (positives < minValPositives)
      return untuned(`${positives} positive val labels; at least ${minValPositives} are needed`);
    const cut = pickCut(
      cuts(
        labelled.map((i) => scores[i]![column]!),
        labelled.map((i) => truth[i]![column] as 0 | 1),
      ),
      rule,
      minPrecision,
    );
    if (!cut) return untuned(`no threshold reaches precision ${minPrecision} on val`);
    return { ...base, ...cut, note: null };
  });
  writeTransaction(db, () => {
    db.prepare('DELETE FROM class_thresholds WHERE model_id = ?').run(model.id);
    const insert = db.prepare(
      `INSERT INTO class_thresholds (model_id, class_id, threshold, rule, precision, recall, f1, val_labels, tuned_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const at = now();
    const ruleName = rule === 'f1' ? 'f1' : `precision>=${minPrecision}`;
    for (const result of results) {
      if (result.threshold === null) continue;
      insert.run(
        model.id,
        result.classId,
        result.threshold,
        ruleName,
        result.precision,
        result.recall,
        result.f1,
        result.valLabels,
        at,
      );
    }
  });
  return results;
}
