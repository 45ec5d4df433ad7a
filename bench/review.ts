// npm run bench:review — the curator's tools on real VOC photos, with figures, not assertions.
//   1. Injected errors: the 765 VOC trainval photos imported with their labels, 5 % of the
//      (photo, class) labels flipped (seeded; half positives → negative, half negatives → positive),
//      pre-labelled by the zero-shot version: how many flipped labels the disputed queue puts in its
//      first 2 × (number flipped) items. Then the same after a version trained on those flipped
//      labels becomes active (the harder case: it learned some of the errors).
//   2. Effort to exact ground truth on 200 VOC photos, in keys and clicks per photo, for: (a) no
//      pre-labels; (b) photo by photo with the zero-shot version; (c) photo by photo with a version
//      trained on the other 565 photos, at the hand-set thresholds and at those tuned on val; (d) the
//      curator flow with that version: bulk-confirm the most confident photos, then the disputed and
//      uncertain queues, then photo by photo for the rest — with the labels still wrong at the end.
//      A scripted annotator that knows the truth plays each flow, but chooses what to open from what
//      the app shows (the queues, the grid's confidence order, the shown states, the val photos'
//      labels beside their pre-labels), as a person would; it only uses the truth to decide what to
//      press once a photo or an item is open.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClassInfo, ImageSummary, LabelState } from '$shared/contract';
import { shownState } from '$shared/labels';
import { createClient, type Api } from '$shared/rpc';
import { createStudio } from '../src/main/api';
import { seededRandom } from '../src/main/training/splits';
import { vocImages } from '../test/fixtures/paths';
import { copyVocPhotoFiles, vocClasses, vocPhotoNames, vocTruth } from '../test/fixtures/voc';
import { jobDone } from '../test/fixtures/wait';

const flipShare = 0.05;
const effortPhotos = 200;
/** The share of wrong labels the curator accepts from a bulk confirmation, checked on val first. */
const acceptedResidual = 0.005;
/** The confidence cuts the curator considers for the bulk confirmation, most photos first. */
const cuts = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
/** The curator works the uncertain queue while an item is this close to its class threshold: a coin toss. */
const uncertainMargin = 0.05;

const dir = await mkdtemp(join(tmpdir(), 'csra-bench-review-'));
const truth = await vocTruth();
const classes = await vocClasses();
const names = await vocPhotoNames();
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

// `-- --part errors` or `-- --part effort` runs one half.
const part = process.argv.includes('--part') ? process.argv[process.argv.indexOf('--part') + 1] : 'all';
try {
  if (part !== 'effort') await injectedErrors();
  if (part !== 'errors') await effort();
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function injectedErrors(): Promise<void> {
  const { rows, flipped } = flipLabels(seededRandom(7));
  const csv = join(dir, 'flipped.csv');
  await writeFile(
    csv,
    ['filename,classes', ...names.map((n) => `${n},${[...rows.get(n)!].join('|')}`)].join('\n'),
  );
  const api = await openStudio(join(dir, 'flipped.sqlite'));
  await jobDone(api, (await api.startImport({ folder: vocImages, labelsFile: csv })).id);
  await jobDone(api, (await api.startPrelabel({ provider: 'auto' })).id);
  // The queue's cut is each class's threshold tuned on val (on the labels as they are, errors included).
  await api.assignSplits({ val: 0.2, seed: 1 });
  await useTunedThresholds(api);
  console.log(
    `injected errors: ${flipped.size} of ${names.length * classes.length} labels flipped (${pct(flipped.size, names.length * classes.length)})`,
  );
  await printRecall(api, flipped, 'zero-shot version');

  const trained = await api.startTrain({ activate: 'always' });
  await jobDone(api, trained.id);
  await prelabelWithActive(api);
  await useTunedThresholds(api);
  await printRecall(api, flipped, 'version trained on the flipped labels');
}

/** Flips `flipShare` of the (photo, class) labels: half of them positives, half negatives. */
function flipLabels(random: () => number): { rows: Map<string, Set<string>>; flipped: Set<string> } {
  const rows = new Map(names.map((name) => [name, new Set(truth.get(name))]));
  const pairs = names.flatMap((name) => classes.map((c) => ({ name, c, positive: rows.get(name)!.has(c) })));
  const count = Math.round(flipShare * pairs.length);
  const shuffled = (list: typeof pairs) =>
    list
      .map((pair) => ({ pair, key: random() }))
      .sort((a, b) => a.key - b.key)
      .map(({ pair }) => pair);
  const positives = shuffled(pairs.filter((p) => p.positive)).slice(0, Math.floor(count / 2));
  const negatives = shuffled(pairs.filter((p) => !p.positive)).slice(0, count - positives.length);
  const flipped = new Set<string>();
  for (const { name, c, positive } of [...positives, ...negatives]) {
    if (positive) rows.get(name)!.delete(c);
    else rows.get(name)!.add(c);
    flipped.add(`${name}|${c}`);
  }
  return { rows, flipped };
}

async function printRecall(api: Api, flipped: Set<string>, model: string): Promise<void> {
  const budget = 2 * flipped.size;
  const items = await queueItems(api, 'disputed', budget);
  const byId = await photoNames(api);
  const classNames = new Map((await api.listClasses({})).map((c) => [c.id, c.name]));
  const found = items.filter((item) =>
    flipped.has(`${byId.get(item.imageId)}|${classNames.get(item.classId!)}`),
  );
  const { disputed } = await api.reviewCounts({});
  console.log(
    `  ${model}: the disputed queue (${disputed} items) holds ${found.length} of the ${flipped.size} flipped labels ` +
      `in its first ${budget} items: ${pct(found.length, flipped.size)} (target >= 70 %)`,
  );
}

async function effort(): Promise<void> {
  const photos = names.slice(0, effortPhotos);
  const others = names.slice(effortPhotos);
  const folder = join(dir, 'effort');
  await copyVocPhotoFiles(folder, photos);
  const trainFolder = join(dir, 'others');
  await copyVocPhotoFiles(trainFolder, others);
  const othersCsv = join(dir, 'others.csv');
  await writeFile(
    othersCsv,
    ['filename,classes', ...others.map((n) => `${n},${truth.get(n)!.join('|')}`)].join('\n'),
  );

  const rows: [string, number, string][] = [];
  {
    // (a) and (b): the same photos, with the project's classes, without and with zero-shot pre-labels.
    const api = await openStudio(join(dir, 'zero-shot.sqlite'));
    await jobDone(api, (await api.startImport({ folder })).id);
    await api.addClasses({ names: classes });
    rows.push(['(a) no pre-labels, photo by photo', await photoByPhoto(api, false), 'today 2.54']);
    await jobDone(api, (await api.startPrelabel({ provider: 'auto' })).id);
    rows.push(['(b) zero-shot version, photo by photo', await photoByPhoto(api, true), 'today 1.59']);
  }
  {
    // (c) and (d): a version trained on the other 565 photos' labels, then the 200 photos to label.
    // (c) only counts keys from what the photos show, so (d) runs on the same project after it.
    const api = await openStudio(join(dir, 'trained.sqlite'));
    await jobDone(api, (await api.startImport({ folder: trainFolder, labelsFile: othersCsv })).id);
    await api.assignSplits({ val: 0.2, seed: 1 });
    await jobDone(api, (await api.startTrain({ activate: 'always' })).id);
    await jobDone(api, (await api.startImport({ folder })).id);
    await prelabelWithActive(api);
    await useTunedThresholds(api);
    rows.push([
      '(c) trained version, tuned thresholds',
      await photoByPhoto(api, true, folder),
      'target <= 1.40',
    ]);
    await api.useThresholds({ source: 'manual' });
    rows.push([
      '(c) trained version, thresholds 0.5',
      await photoByPhoto(api, true, folder),
      'target <= 1.40',
    ]);
    // The curator flow at the hand-set thresholds: the grid's confidence is measured from 0.5.
    const projectClasses = await api.listClasses({});
    const batch = (await allPhotos(api)).filter((image) => image.path.startsWith(folder));
    const val = (await allPhotos(api)).filter((image) => image.split === 'val');
    const cut = cuts.find((c) => bulkConfirmed(val, projectClasses, c).residual <= acceptedResidual) ?? 1;
    console.log(
      `bulk confirmation cut checked on the ${val.length} val photos: confidence >= ${cut} ` +
        `(its confident val photos' pre-labels ${pct(bulkConfirmed(val, projectClasses, cut).residual, 1)} wrong; accepted ${pct(acceptedResidual, 1)})`,
    );
    for (const c of cuts) {
      const { confirmed, residual, actions } = bulkConfirmed(batch, projectClasses, c);
      console.log(
        `  had the cut been ${c.toFixed(2)}: ${confirmed} photos confirmed, then photo by photo: ` +
          `${(actions / batch.length).toFixed(2)} actions a photo, ${pct(residual, 1)} of labels left wrong`,
      );
    }
    const { actions, residual } = await curatorFlow(api, folder, cut);
    rows.push([
      '(d) curator flow (trained version)',
      actions,
      `target <= 1.00; residual errors ${pct(residual.wrong, residual.of)} of labels (target <= 0.5 %)`,
    ]);
  }
  console.log(`effort to exact ground truth on ${effortPhotos} VOC photos (keys and clicks per photo):`);
  for (const [flow, perPhoto, note] of rows)
    console.log(`  ${flow.padEnd(40)} ${perPhoto.toFixed(2)}  ${note}`);
}

/**
 * Labels every photo of `folder` (all photos when absent) photo by photo: the key of each class the
 * photo shows wrongly, then Enter. Keys per photo.
 */
async function photoByPhoto(api: Api, preLabelled: boolean, folder?: string): Promise<number> {
  const projectClasses = await api.listClasses({});
  const photos = (await allPhotos(api)).filter((image) => !folder || image.path.startsWith(folder));
  // Labelling one photo changes what no other photo shows: the keys are counted from the shown states.
  let keys = 0;
  for (const image of photos)
    keys +=
      classesShownWrongly(projectClasses, preLabelled ? image : { ...image, predictions: [] }).length + 1;
  return keys / photos.length;
}

/**
 * What bulk-confirming the `photos` at least `cut` confident and labelling the rest photo by photo
 * would cost, from their pre-labels alone (labels set so far ignored): the photos confirmed, the
 * share of their labels that would be wrong, and the actions (2 clicks for the confirmation, a key
 * per class shown wrongly and Enter for each other photo).
 */
function bulkConfirmed(
  photos: ImageSummary[],
  projectClasses: ClassInfo[],
  cut: number,
): { confirmed: number; residual: number; actions: number } {
  let confirmed = 0;
  let wrong = 0;
  let actions = 2;
  for (const image of photos) {
    const errors = classesShownWrongly(projectClasses, { ...image, labels: [] }).length;
    if (photoConfidence(image, projectClasses) >= cut) {
      confirmed += 1;
      wrong += errors;
    } else actions += errors + 1;
  }
  return { confirmed, residual: confirmed && wrong / (confirmed * projectClasses.length), actions };
}

/**
 * The curator flow on the photos of `folder`: bulk-confirm the photos the grid shows at least `cut`
 * confident (2 clicks: the count, then Confirm); then, of this batch's items, each disputed one and
 * each uncertain one within the margin (1 key: keep or flip); then photo by photo for the photos not
 * confirmed. Items of other photos are passed over: the queues list the whole project, the curator
 * works this batch. Actions per photo, and the labels the bulk confirmation left wrong among all
 * labels of the batch.
 */
async function curatorFlow(
  api: Api,
  folder: string,
  cut: number,
): Promise<{ actions: number; residual: { wrong: number; of: number } }> {
  const projectClasses = await api.listClasses({});
  const { ids } = await api.listImageIds({ sort: 'confidence' });
  const ordered = await Promise.all(ids.map((imageId) => api.getImage({ imageId })));
  const inBatch = (image: { path: string }) => image.path.startsWith(folder);
  const confident = ordered.filter(
    (image) => inBatch(image) && photoConfidence(image, projectClasses) >= cut,
  );
  let actions = 0;
  if (confident.length > 0) {
    await api.confirmPhotos({ imageIds: confident.map((image) => image.id) });
    actions += 2;
  }
  for (const queue of ['disputed', 'uncertain'] as const) {
    // A page at a time: each item decided is one key and leaves the queue (a kept dispute too);
    // the items passed over stay, so the next page starts after them.
    let offset = 0;
    const decided = new Set<string>();
    for (;;) {
      const { items } = await api.listReviewQueue({ queue, offset, limit: 500 });
      if (items.length === 0) break;
      for (const item of items) {
        const image = await api.getImage({ imageId: item.imageId });
        const near = queue === 'disputed' || Math.abs(item.probability - item.threshold) <= uncertainMargin;
        const key = `${item.imageId}|${item.classId}`;
        if (item.classId === null || !near || !inBatch(image) || decided.has(key)) {
          offset += 1;
          continue;
        }
        const name = projectClasses.find((c) => c.id === item.classId)!.name;
        const state: LabelState = truth.get(image.name)!.includes(name) ? 'positive' : 'negative';
        await api.setLabels({ changes: [{ imageId: item.imageId, classId: item.classId, state }] });
        actions += 1;
        decided.add(key);
      }
      // The uncertain queue is in order of distance from the threshold: past the margin, it is done.
      if (
        queue === 'uncertain' &&
        items.some((item) => Math.abs(item.probability - item.threshold) > uncertainMargin)
      )
        break;
    }
  }
  // The rest, photo by photo, end exactly right; what the bulk confirmation set wrongly stays wrong.
  const confirmed = new Set(confident.map((image) => image.id));
  const photos = (await allPhotos(api)).filter(inBatch);
  let wrong = 0;
  for (const image of photos) {
    const shownWrongly = classesShownWrongly(projectClasses, image).length;
    if (confirmed.has(image.id)) wrong += shownWrongly;
    else actions += shownWrongly + 1;
  }
  return { actions: actions / photos.length, residual: { wrong, of: photos.length * projectClasses.length } };
}

/** The least certain project class of the photo, as the grid's confidence: min |2p − 1|. */
function photoConfidence(image: ImageSummary, projectClasses: ClassInfo[]): number {
  const known = new Set(projectClasses.map((c) => c.id));
  const scores = image.predictions.filter((p) => known.has(p.classId));
  return scores.length === 0 ? 0 : Math.min(...scores.map((p) => Math.abs(2 * p.probability - 1)));
}

function classesShownWrongly(projectClasses: ClassInfo[], image: ImageSummary): ClassInfo[] {
  const wanted = new Set(truth.get(image.name));
  return projectClasses.filter(
    (c) => (shownState(image, projectClasses, c.id) === 'positive') !== wanted.has(c.name),
  );
}

async function queueItems(api: Api, queue: 'disputed', count: number) {
  const items = [];
  while (items.length < count) {
    const page = await api.listReviewQueue({
      queue,
      offset: items.length,
      limit: Math.min(500, count - items.length),
    });
    items.push(...page.items);
    if (page.items.length === 0) break;
  }
  return items;
}

async function allPhotos(api: Api): Promise<ImageSummary[]> {
  const photos: ImageSummary[] = [];
  for (;;) {
    const page = await api.listImages({ offset: photos.length, limit: 500 });
    photos.push(...page.images);
    if (photos.length >= page.total) return photos;
  }
}

async function photoNames(api: Api): Promise<Map<number, string>> {
  return new Map((await allPhotos(api)).map((image) => [image.id, image.name]));
}

/** Thresholds tuned on val (best F1) for the active version, used wherever one was found. */
async function useTunedThresholds(api: Api): Promise<void> {
  const tuned = await api.tuneThresholds({ rule: 'f1' });
  const classIds = tuned.filter((entry) => entry.threshold !== null).map((entry) => entry.classId);
  if (classIds.length > 0) await api.useThresholds({ source: 'tuned', classIds });
}

async function openStudio(path: string): Promise<Api> {
  const api = createClient(createStudio());
  await api.createProject({ path });
  return api;
}

/** Activation pre-labels in the background: wait until every photo is predicted by the active version. */
async function prelabelWithActive(api: Api): Promise<void> {
  for (;;) {
    const running = (await api.listJobs({})).find((job) => job.status === 'running');
    if (running) await jobDone(api, running.id);
    const { imageCount } = (await api.getProject({}))!;
    if ((await api.getModel({}))!.predicted >= imageCount) return;
    if (!running) await jobDone(api, (await api.startPrelabel({ provider: 'auto' })).id);
  }
}
