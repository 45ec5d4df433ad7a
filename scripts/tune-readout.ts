// npm run tune:readout — chooses the default pack's training-free CSRA readout (λ and the
// temperature sequence) and its probability calibration on the VOC2007 trainval photos only.
// The photos are split in two halves by a hash of their names: every choice is made on the
// "tune" half, and the figures that count are those of the "held-out" half. Prints a table and
// the readout to put in src/main/models/default-pack.ts.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attentionPool, csraTemperatures, meanPool } from '$shared/csra';
import { evaluate, type Truth } from '$shared/metrics';
import { openRunnerHere } from '../src/main/inference/model-host';
import { defaultPackModel } from '../src/main/inference/model-info';
import { infer } from '../src/main/inference/model-runner';
import { photoPixels } from '../src/main/inference/preprocess';
import { modelClassFor } from '../src/main/models/coco';
import { defaultPackDir } from '../src/main/models/default-pack';
import { readManifest } from '../src/main/models/manifest';
import { vocImages, vocLabels } from '../test/fixtures/paths';

const finiteTemperatures = [1, 2, 3, 4, 5, 6, 7];
const lambdas = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2];
const candidates: { label: string; temperatures: number[] }[] = [
  ...[1, 2, 4, 6, 8].map((heads) => ({ label: `${heads} head(s)`, temperatures: csraTemperatures(heads) })),
  { label: 'T=2', temperatures: [2] },
  { label: 'T=4', temperatures: [4] },
  { label: 'T=∞', temperatures: [99] },
];

const lines = (await readFile(vocLabels, 'utf8')).trim().split(/\r?\n/).slice(1);
const rows = lines.map((line) => {
  const [name, classes] = line.split(',') as [string, string];
  return { name, positives: new Set(classes ? classes.split('|') : []) };
});
const vocClasses = (await readFile(join(vocLabels, '..', 'classes.txt'), 'utf8')).trim().split(/\r?\n/);
const heldOut = (name: string) => createHash('sha256').update(name).digest()[0]! % 2 === 1;

const record = await defaultPackModel();
const columns = vocClasses.map((name) => modelClassFor(name, record.classes)!);
// The readout runs on the full class map, not the pooled one stored for overlays: a session on
// this thread, as the inference workers return only what pre-labeling stores.
const runner = await openRunnerHere(record, 'cpu');
const classMap = (await readManifest(defaultPackDir())).outputs.classMap;
const model = { ...runner, classMapName: classMap.name, classMapSide: Number(classMap.shape.at(-1)) };
const side = model.classMapSide ** 2;
const classes = record.classes.length;

// Per photo and VOC class: the mean and every attention pool of its probability map.
const stats = new Map<string, { mean: number; att: Map<number, number> }[]>();
const started = performance.now();
const batchSize = 4;
for (let i = 0; i < rows.length; i += batchSize) {
  const names = rows.slice(i, i + batchSize).map((row) => row.name);
  const pixels = await Promise.all(
    names.map(async (name) => (await photoPixels(join(vocImages, name), model.input)).pixels),
  );
  const { classMaps } = await infer(model, pixels);
  names.forEach((name, photo) => {
    const maps = classMaps!.subarray(photo * classes * side, (photo + 1) * classes * side);
    stats.set(
      name,
      columns.map((modelIndex) => {
        const map = maps.subarray(modelIndex * side, (modelIndex + 1) * side);
        const att = new Map(finiteTemperatures.map((t) => [t, attentionPool(map, t)]));
        att.set(99, attentionPool(map, 99));
        return { mean: meanPool(map), att };
      }),
    );
  });
  process.stderr.write(`\r${stats.size}/${rows.length}`);
}
process.stderr.write(`\n${rows.length} photos in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
await runner.session.release();

const readout = (name: string, temperatures: number[], lambda: number) =>
  stats
    .get(name)!
    .map(({ mean, att }) => temperatures.reduce((sum, t) => sum + mean + lambda * att.get(t)!, 0));
const truthOf = (row: (typeof rows)[number]): Truth[] =>
  vocClasses.map((c) => (row.positives.has(c) ? 1 : 0));
const part = (wantHeldOut: boolean) => rows.filter((row) => heldOut(row.name) === wantHeldOut);
const tune = part(false);
const test = part(true);

function score(set: typeof rows, probability: (name: string) => number[]) {
  return evaluate({
    classes: vocClasses,
    scores: set.map((row) => probability(row.name)),
    truth: set.map(truthOf),
  });
}
// mAP depends on the ranking only: any increasing map of the readout into [0,1] will do here.
const squash = (values: number[]) => values.map((v) => 1 - Math.exp(-Math.max(v, 0)));

console.log(`tune: ${tune.length} photos, held out: ${test.length} photos, ${vocClasses.length} VOC classes`);
console.log('readout            λ      tune mAP  held-out mAP');
let best = { label: '', temperatures: [99], lambda: 0.1, tune: 0 };
for (const candidate of candidates) {
  for (const lambda of lambdas) {
    const at = (set: typeof rows) =>
      score(set, (name) => squash(readout(name, candidate.temperatures, lambda))).mAP! * 100;
    const tuneMap = at(tune);
    console.log(
      `${candidate.label.padEnd(18)} ${String(lambda).padEnd(6)} ${tuneMap.toFixed(2).padStart(8)}  ${at(test).toFixed(2).padStart(12)}`,
    );
    if (tuneMap > best.tune) best = { ...candidate, lambda, tune: tuneMap };
  }
}
console.log(`chosen on the tune half: ${best.label}, λ = ${best.lambda}`);

// Platt scaling on the tune half, all classes pooled: p = sigmoid(scale · readout + bias).
const samples = tune.flatMap((row) =>
  readout(row.name, best.temperatures, best.lambda).map((x, c) => ({
    x,
    y: row.positives.has(vocClasses[c]!) ? 1 : 0,
  })),
);
let scale = 1;
let bias = 0;
for (let iteration = 0; iteration < 100; iteration += 1) {
  // Newton's method on the mean log-loss.
  let ga = 0,
    gb = 0,
    haa = 0,
    hab = 0,
    hbb = 0;
  for (const { x, y } of samples) {
    const p = 1 / (1 + Math.exp(-(scale * x + bias)));
    const w = p * (1 - p);
    ga += (p - y) * x;
    gb += p - y;
    haa += w * x * x;
    hab += w * x;
    hbb += w;
  }
  const det = haa * hbb - hab * hab;
  scale -= (hbb * ga - hab * gb) / det;
  bias -= (haa * gb - hab * ga) / det;
}
const calibrated = (name: string) =>
  readout(name, best.temperatures, best.lambda).map((x) => 1 / (1 + Math.exp(-(scale * x + bias))));
const pct = (v: number | null) => (v === null ? '-' : (100 * v).toFixed(1));
for (const [label, set] of [
  ['tune', tune],
  ['held-out', test],
] as const) {
  const r = score(set, calibrated);
  const t = r.threshold;
  const k = r.top3;
  console.log(
    `${label}: mAP ${pct(r.mAP)} | at 0.5 CP ${pct(t.CP)} CR ${pct(t.CR)} CF1 ${pct(t.CF1)} OP ${pct(t.OP)} OR ${pct(t.OR)} OF1 ${pct(t.OF1)}` +
      ` | top-3 CF1 ${pct(k.CF1)} OF1 ${pct(k.OF1)}`,
  );
}
console.log(`all ${rows.length} photos: mAP ${pct(score(rows, calibrated).mAP)}`);
console.log(
  'readout: ' +
    JSON.stringify({
      lambda: best.lambda,
      temperatures: best.temperatures,
      calibration: { scale: Number(scale.toFixed(4)), bias: Number(bias.toFixed(4)) },
    }),
);
