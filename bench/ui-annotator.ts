// Part of npm run bench:ui — the labeling workspace driven by the keyboard in Debian's Chromium
// against the browser host, on 100 real VOC photos with the 20 VOC classes:
//   1. key press → label committed in the database (the stage's data-label-committed), p50/p95;
//   2. a scripted annotator labelling all 100 photos to their exact VOC ground truth, once on a
//      pre-labelled project and once on the same photos without pre-labels, printing keystrokes
//      per photo for each. Both use the same keys: a class key flips what the photo shows, Enter
//      confirms the photo (pre-labels positive, the rest negative) and moves on;
//   3. switching photo (→) and the overlay's class (↓, ↑) → the stage drawn with it (the stage's
//      data-redraw-ms), median, p95 and max, on the pre-labelled project before it is labelled.
// Figures only; the database is checked against the ground truth at the end of each run.
//
// The projects are built beforehand by a studio of their own (import, and pre-labeling for one
// of them), so that no job runs while keys are timed; the page then opens each project.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import type { ClassInfo, ImageSummary } from '$shared/contract';
import { shownState } from '$shared/labels';
import { createClient } from '$shared/rpc';
import { createStudio } from '../src/main/api';
import { startHost } from '../src/main/host/server';
import { rendererDir } from '../test/fixtures/paths';
import {
  copyVocPhotoFiles,
  vocClasses as readVocClasses,
  vocPhotoNames,
  vocTruth,
} from '../test/fixtures/voc';
import { launchChromium, newPage, timeLabelKeys } from '../test/fixtures/browser';
import { jobDone, until } from '../test/fixtures/wait';

const photoCount = 100;
/** How many times the switch timings press →. */
const switchPhotos = 60;
const vocClasses = await readVocClasses();

const dir = await mkdtemp(join(tmpdir(), 'csra-bench-ui-'));
const folder = join(dir, 'photos');
await copyVocPhotoFiles(folder, await vocPhotoNames(photoCount));
const truth = await vocTruth();
const projects = { with: join(dir, 'with.sqlite'), without: join(dir, 'without.sqlite') };
await buildProject(projects.with, true);
await buildProject(projects.without, false);

const studio = createStudio();
const api = createClient(studio);
const host = await startHost({ studio, rendererDir });
const browser = await launchChromium();
const page = await newPage(browser);
const labelTimings = await timeLabelKeys(page);
await page.goto(host.openUrl);

try {
  const switches = await switchTimes(projects.with);
  const withPreLabels = await benchmark('with pre-labels', projects.with);
  const without = await benchmark('without pre-labels', projects.without);
  console.log(
    `keystrokes: ${without.perPhoto.toFixed(2)} per photo without pre-labels, ${withPreLabels.perPhoto.toFixed(2)} with: ` +
      `${(without.perPhoto / withPreLabels.perPhoto).toFixed(2)}× fewer (target >= 3×)`,
  );
  // Every photo takes at least its Enter: even pre-labels without a single error save no more than this.
  console.log(
    `keystrokes: with every pre-label right a photo would take Enter alone: at most ${without.perPhoto.toFixed(2)}× fewer, photo by photo`,
  );
  const latencies = [...withPreLabels.latencies, ...without.latencies];
  console.log(
    `key press → label committed (${latencies.length} label keys): p50 ${quantile(latencies, 0.5)} ms, ` +
      `p95 ${quantile(latencies, 0.95)} ms (target p95 <= 30 ms)`,
  );
  console.log(
    `photo switch → stage drawn (${switches.photo.length} switches): ${spread(switches.photo)} (target median < 100 ms)`,
  );
  console.log(
    `class switch → stage drawn (${switches.class.length} switches): ${spread(switches.class)} (target max < 100 ms)`,
  );
} finally {
  await browser.close();
  await host.close();
  await studio.close();
  await rm(dir, { recursive: true, force: true });
}

/** The 100 photos with the 20 VOC classes and no labels; pre-labelled when asked. */
async function buildProject(path: string, prelabel: boolean): Promise<void> {
  const builder = createStudio();
  const direct = createClient(builder);
  try {
    await direct.createProject({ path });
    for (const name of vocClasses) await direct.createClass({ name });
    await jobDone(direct, (await direct.startImport({ folder })).id);
    if (prelabel) await jobDone(direct, (await direct.startPrelabel({ provider: 'auto' })).id);
  } finally {
    await builder.close();
  }
}

/**
 * Switches in the workspace as the stage times them, from the key to the stage drawn with the switch
 * (data-redraw-ms): → through the first photos, and on each photo with two class maps or more ↓ to
 * the next class's map and ↑ back.
 */
async function switchTimes(path: string): Promise<{ photo: number[]; class: number[] }> {
  await api.openProject({ path });
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Label photos' }).click();
  const stage = page.locator('.photo-stage');
  const drawn = async () => Number(await stage.getAttribute('data-redraw-count'));
  // Opening draws the first photo: a switch of its own, not timed.
  await until(async () => (await drawn()) > 0);
  const times = { photo: [] as number[], class: [] as number[] };
  const timed = async (key: string, kind: 'photo' | 'class') => {
    const before = await drawn();
    await page.keyboard.press(key);
    await until(async () => (await drawn()) === before + 1);
    const drew = await stage.getAttribute('data-redraw-kind');
    if (drew !== kind) throw new Error(`${key} drew a ${drew} switch, not a ${kind} switch`);
    times[kind].push(Number(await stage.getAttribute('data-redraw-ms')));
  };
  for (let step = 0; step < switchPhotos; step += 1) {
    const imageId = Number(await stage.getAttribute('data-image-id'));
    if ((await api.getClassMaps({ imageId })).maps.length > 1) {
      await timed('ArrowDown', 'class');
      await timed('ArrowUp', 'class');
    }
    await timed('ArrowRight', 'photo');
  }
  await page.keyboard.press('Escape');
  return times;
}

/** Labels every photo of the project to its ground truth with the keys; keystrokes and latencies. */
async function benchmark(label: string, path: string): Promise<{ perPhoto: number; latencies: number[] }> {
  await api.openProject({ path });
  await page.getByRole('heading', { level: 1 }).waitFor();
  const classes = await api.listClasses({});
  const before = new Map((await api.listImages({ limit: 500 })).images.map((image) => [image.name, image]));
  await labelTimings.reset();
  await page.getByRole('button', { name: 'Label photos' }).click();
  let keystrokes = 0;
  let wrongPhotos = 0;
  let flips = 0;
  for (let index = 0; index < photoCount; index += 1) {
    const name = await currentPhoto(page);
    const keys = plan(classes, before.get(name)!, truth.get(name)!);
    flips += keys.length - 1;
    if (keys.length > 1) wrongPhotos += 1;
    for (const key of keys) {
      await page.keyboard.press(key);
      keystrokes += 1;
      await until(async () => (await labelTimings.commits()) === keystrokes);
    }
    if (index < photoCount - 1) await until(async () => (await currentPhoto(page)) !== name);
  }
  // The result must be exactly the ground truth: every class of every photo, nothing unknown.
  const byId = new Map(classes.map((c) => [c.id, c.name]));
  for (const image of (await api.listImages({ limit: 500 })).images) {
    const positives = image.labels
      .filter((l) => l.state === 'positive')
      .map((l) => byId.get(l.classId))
      .sort();
    if (
      image.labels.length !== classes.length ||
      positives.join('|') !== [...truth.get(image.name)!].sort().join('|')
    ) {
      throw new Error(
        `${label}: ${image.name} ended as ${positives.join('|')} with ${image.labels.length} labels`,
      );
    }
  }
  const perPhoto = keystrokes / photoCount;
  console.log(
    `${label}: ${photoCount} photos labelled to the VOC ground truth with ${keystrokes} keystrokes = ` +
      `${perPhoto.toFixed(2)} per photo (${(flips / photoCount).toFixed(2)} class keys per photo; ` +
      `${photoCount - wrongPhotos} photos took Enter alone)`,
  );
  const latencies = await labelTimings.latencies();
  await page.keyboard.press('Escape');
  return { perPhoto, latencies };
}

/**
 * The fewest keys that bring a photo to its ground truth: the key of every class the photo shows
 * wrongly (a class key flips what is shown), then Enter, which confirms what is shown.
 */
function plan(classes: ClassInfo[], image: ImageSummary, truth: string[]): string[] {
  const wanted = new Set(truth);
  const wrong = classes.filter(
    (c) => (shownState(image, classes, c.id) === 'positive') !== wanted.has(c.name),
  );
  return [...wrong.map((c) => c.hotkey!), 'Enter'];
}

async function currentPhoto(page: Page): Promise<string> {
  return (
    (await page
      .getByRole('dialog', { name: /\.jpg$/ })
      .getByRole('heading', { level: 2 })
      .textContent()) ?? ''
  );
}

/** The median, p95 and max of `values`, in ms. */
function spread(values: number[]): string {
  return `median ${quantile(values, 0.5)} ms, p95 ${quantile(values, 0.95)} ms, max ${quantile(values, 1)} ms`;
}

/** The `q` quantile of `values`, to a tenth. */
function quantile(values: number[], q: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
}
