// Train / val / test splits for multi-label photos, by iterative stratification (Sechidis, Tsoumakas
// and Vlahavas 2011, as scikit-multilearn and iterative-stratification implement it): the rarest
// class first, each of its photos to the split that still wants the most photos of that class. So
// every class, a rare one included, is spread over the splits in about the proportions asked for.
//
// Seeded and reproducible: the same photos, labels and seed give the same splits. Stable: photos
// that have a split keep it, and new labelled photos join so that the whole approaches the
// proportions (what the assigned photos already fill is subtracted from what each split wants).
import type { Split, SplitCounts } from '$shared/contract';
import type { Db } from '../db/connection';
import { labelledPhotos, setSplits, splitCounts } from '../db/splits';
import { writeTransaction } from '../db/transaction';

export type Fold = Exclude<Split, 'none'>;

export const folds: readonly Fold[] = ['train', 'val', 'test'];

/** A labelled photo: its positive classes (none for a photo labelled negative only) and its split. */
export interface SplitPhoto {
  id: number;
  classes: readonly number[];
  split: Split;
}

export interface SplitOptions {
  /** The fractions of the labelled photos in val and in test; train takes the rest. */
  val: number;
  test: number;
  seed: number;
  /** Split every labelled photo anew instead of keeping the splits they have. */
  reassign: boolean;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How many of `total` photos each split should hold: the fractions rounded so that they add up to
 * `total` (largest remainder), so each is within one photo of its exact share.
 */
export function targetSizes(fractions: readonly number[], total: number): number[] {
  const exact = fractions.map((fraction) => fraction * total);
  const sizes = exact.map((value) => Math.floor(value + 1e-9));
  let left = total - sizes.reduce((sum, size) => sum + size, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - sizes[index]! }))
    .filter(({ index }) => fractions[index]! > 0)
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left <= 0) break;
    sizes[index]! += 1;
    left -= 1;
  }
  return sizes;
}

function fractionsOf(options: Pick<SplitOptions, 'val' | 'test'>): number[] {
  const { val, test } = options;
  if (!(val >= 0 && test >= 0 && val + test < 1))
    throw new RangeError(`val (${val}) and test (${test}) must be ≥ 0 and leave photos for train`);
  return [1 - val - test, val, test];
}

/**
 * The split of each photo that needs one: those without a split ('none'), or every photo with
 * `reassign`. The others keep theirs and count towards what each split already holds.
 *
 * Three passes over the photos to place: iterative stratification (each class's photos, rarest
 * class first, to the split that wants the most of that class, then the most photos in all, then
 * at random); then, since a photo of several classes fills several wants at once and so the
 * splits' sizes drift, the photos that cost the classes' proportions least move from the splits
 * that got too many to those that got too few; last, swaps between splits that bring the classes'
 * proportions closer still. Every split ends within one photo of its share.
 */
export function stratify(photos: readonly SplitPhoto[], options: SplitOptions): Map<number, Fold> {
  const fractions = fractionsOf(options);
  const random = seededRandom(options.seed);
  const free: SplitPhoto[] = [];
  const fixed: SplitPhoto[] = [];
  for (const photo of [...photos].sort((a, b) => a.id - b.id)) {
    (options.reassign || photo.split === 'none' ? free : fixed).push(photo);
  }
  // Fisher–Yates: the order the photos are dealt in, which the seed changes.
  for (let i = free.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [free[i], free[j]] = [free[j]!, free[i]!];
  }

  // Classes as dense indices.
  const classIndex = new Map<number, number>();
  const indexOf = (classId: number) => {
    let index = classIndex.get(classId);
    if (index === undefined) classIndex.set(classId, (index = classIndex.size));
    return index;
  };
  const classesOf = (photo: SplitPhoto) => [...new Set(photo.classes)].map(indexOf);
  const freeClasses = free.map(classesOf);
  const fixedClasses = fixed.map(classesOf);
  const C = classIndex.size;
  const F = folds.length;
  const M = free.length;
  const open = folds.map((_, f) => fractions[f]! > 0);

  // What each split still wants: photos in all (`room`, whole photos) and photos of each class
  // (`wants`, fractional), over every labelled photo, less what the photos that keep theirs fill.
  const room = targetSizes(fractions, photos.length);
  const wants = fractions.map(() => new Float64Array(C));
  const freeOfClass: number[][] = Array.from({ length: C }, () => []);
  const left = new Int32Array(C);
  freeClasses.forEach((classes, photo) => {
    for (const c of classes) {
      freeOfClass[c]!.push(photo);
      left[c]! += 1;
    }
  });
  const all = Int32Array.from(left);
  for (const classes of fixedClasses) for (const c of classes) all[c]! += 1;
  for (let f = 0; f < F; f += 1) for (let c = 0; c < C; c += 1) wants[f]![c] = fractions[f]! * all[c]!;
  fixed.forEach((photo, i) => {
    const f = folds.indexOf(photo.split as Fold);
    room[f]! -= 1;
    for (const c of fixedClasses[i]!) wants[f]![c]! -= 1;
  });
  const quota = freeQuota(room, open, M);

  // Pass 1: iterative stratification.
  const foldOf = new Int8Array(M).fill(-1);
  /**
   * The split for a photo: the one that wants the most photos of class `c` (if any), then the
   * most photos in all, then one of the tied at random.
   */
  const choose = (c: number | null): number => {
    let best: number[] = [];
    let bestKey: [number, number] = [-Infinity, -Infinity];
    for (let f = 0; f < F; f += 1) {
      if (!open[f]) continue;
      const key: [number, number] = [c === null ? 0 : wants[f]![c]!, room[f]!];
      const order = compareKeys(key, bestKey);
      if (order > 0) {
        best = [f];
        bestKey = key;
      } else if (order === 0) best.push(f);
    }
    return best.length === 1 ? best[0]! : best[Math.floor(random() * best.length)]!;
  };
  const place = (photo: number, f: number) => {
    const from = foldOf[photo]!;
    if (from >= 0) {
      room[from]! += 1;
      for (const c of freeClasses[photo]!) wants[from]![c]! += 1;
    } else {
      for (const c of freeClasses[photo]!) left[c]! -= 1;
    }
    foldOf[photo] = f;
    room[f]! -= 1;
    for (const c of freeClasses[photo]!) wants[f]![c]! -= 1;
  };
  for (;;) {
    // The class with the fewest photos still to place (ties at random).
    let rarest: number[] = [];
    for (let c = 0; c < C; c += 1) {
      if (left[c] === 0) continue;
      if (rarest.length === 0 || left[c]! < left[rarest[0]!]!) rarest = [c];
      else if (left[c] === left[rarest[0]!]) rarest.push(c);
    }
    if (rarest.length === 0) break;
    const c = rarest.length === 1 ? rarest[0]! : rarest[Math.floor(random() * rarest.length)]!;
    for (const photo of freeOfClass[c]!) if (foldOf[photo]! < 0) place(photo, choose(c));
  }
  // Photos without a positive class go where the most photos are still wanted.
  for (let photo = 0; photo < M; photo += 1) if (foldOf[photo]! < 0) place(photo, choose(null));

  // How far the classes are from their proportions: Σ over classes and splits of the photos
  // wanted (or in excess) squared, each class weighted by 1 / its photos. Moving a photo of
  // classes S from split a to b changes it by 2 Σ_S w (wants_a − wants_b + 1).
  const weight = Float64Array.from(all, (n) => 1 / n);
  const moveCost = (photo: number, to: number) => {
    const from = foldOf[photo]!;
    let cost = 0;
    for (const c of freeClasses[photo]!) cost += weight[c]! * (wants[from]![c]! - wants[to]![c]! + 1);
    return 2 * cost;
  };

  // Pass 2: the splits to their sizes, by the cheapest moves.
  const placed = new Int32Array(F);
  for (let photo = 0; photo < M; photo += 1) placed[foldOf[photo]!]! += 1;
  for (;;) {
    let best = { photo: -1, to: -1, cost: Infinity };
    for (let photo = 0; photo < M; photo += 1) {
      const from = foldOf[photo]!;
      if (placed[from]! <= quota[from]!) continue;
      for (let to = 0; to < F; to += 1) {
        if (placed[to]! >= quota[to]!) continue;
        const cost = moveCost(photo, to);
        if (cost < best.cost - tie) best = { photo, to, cost };
      }
    }
    if (best.photo < 0) break;
    placed[foldOf[best.photo]!]! -= 1;
    placed[best.to]! += 1;
    place(best.photo, best.to);
  }

  // Pass 3: swaps that bring the classes closer to their proportions, among the most promising
  // moves each way, until none helps (or enough rounds went by).
  const weightOf = (photo: number) => freeClasses[photo]!.reduce((sum, c) => sum + weight[c]!, 0);
  const shared = (p: number, q: number) => {
    let sum = 0;
    for (const c of freeClasses[p]!) if (freeClasses[q]!.includes(c)) sum += weight[c]!;
    return sum;
  };
  const cheapest = (from: number, to: number) =>
    Array.from({ length: M }, (_, photo) => photo)
      .filter((photo) => foldOf[photo] === from)
      .map((photo) => ({ photo, cost: moveCost(photo, to) }))
      .sort((a, b) => a.cost - b.cost)
      .slice(0, swapCandidates);
  for (let round = 0; round < swapRounds; round += 1) {
    let improved = false;
    for (let a = 0; a < F; a += 1) {
      for (let b = a + 1; b < F; b += 1) {
        if (!open[a] || !open[b]) continue;
        const there = cheapest(a, b);
        const back = cheapest(b, a);
        let best = { p: -1, q: -1, cost: -tie };
        for (const { photo: p, cost: pCost } of there) {
          // What sharing classes with q can take off a swap's cost at most.
          const bound = 4 * weightOf(p);
          for (const { photo: q, cost: qCost } of back) {
            if (pCost + qCost - bound >= best.cost) break;
            const cost = pCost + qCost - 4 * shared(p, q);
            if (cost < best.cost) best = { p, q, cost };
          }
        }
        if (best.p < 0) continue;
        place(best.p, b);
        place(best.q, a);
        improved = true;
      }
    }
    if (!improved) break;
  }

  return new Map(free.map((photo, index) => [photo.id, folds[foldOf[index]!]!]));
}

/** Tolerance for ties between fractional wants and costs (they differ by whole photos or not at all). */
const tie = 1e-9;

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const difference = a[i]! - b[i]!;
    if (Math.abs(difference) > tie) return Math.sign(difference);
  }
  return 0;
}

/** Moves considered each way in a round of swaps, and the most rounds. */
const swapCandidates = 64;
const swapRounds = 500;

/**
 * How many of the `free` photos to place each split should get: its room, when the rooms add up
 * to them; otherwise (photos that keep their split already fill a split past its share) the
 * splits with room share them in proportion to it.
 */
function freeQuota(room: readonly number[], open: readonly boolean[], free: number): number[] {
  const positive = room.map((value, f) => (open[f] ? Math.max(0, value) : 0));
  const total = positive.reduce((sum, value) => sum + value, 0);
  if (total === free) return positive;
  return targetSizes(
    positive.map((value) => value / total),
    free,
  );
}

/**
 * Gives the project's labelled photos without a split one (every labelled photo with `reassign`),
 * in one transaction; photos with a split keep it. The counts per split, over every photo.
 */
export function assignSplits(db: Db, options: SplitOptions): SplitCounts {
  return assignSplitsReport(db, options).counts;
}

/** assignSplits, also saying how many photos changed split. */
export function assignSplitsReport(db: Db, options: SplitOptions): { counts: SplitCounts; changed: number } {
  return writeTransaction(db, () => {
    const assigned = stratify(labelledPhotos(db), options);
    const changed = setSplits(db, assigned);
    return { counts: splitCounts(db), changed };
  });
}
