// Part of npm run bench:ui — the labeling workspace driven by the keyboard in Debian's Chromium
// against the browser host, on 100 real VOC photos with the 20 VOC classes:
//   1. key press → label committed in the database (the stage's data-label-committed), p50/p95;
//   2. a scripted annotator labelling all 100 photos to their exact VOC ground truth, once using
//      the pre-labels and once ignoring them, printing keystrokes per photo for each.
// Figures only; the database is checked against the ground truth at the end of each run.
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import type { ClassInfo } from '../src/shared/contract';
import { createClient, type Api } from '../src/shared/rpc';
import { createStudio } from '../src/main/api';
import { startHost } from '../src/main/host/server';
import { rendererDir, vocImages } from '../test/fixtures/paths';
import { vocPhotoNames, vocTruth } from '../test/fixtures/voc';
import { launchChromium } from '../test/fixtures/browser';

const photoCount = 100;
const vocClasses = (await readFile(join(vocImages, '..', 'classes.txt'), 'utf8')).trim().split(/\r?\n/);

const dir = await mkdtemp(join(tmpdir(), 'csra-bench-ui-'));
const studio = createStudio();
const api = createClient(studio);
const host = await startHost({ studio, rendererDir });
const browser = await launchChromium();
const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
await page.addInitScript({
  content: `window.__keys = []; window.__commits = [];
    window.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
    new MutationObserver((records) => {
      for (const record of records) if (record.attributeName === 'data-label-committed') window.__commits.push(performance.now());
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-label-committed'] });`,
});
await page.goto(host.openUrl);

const folder = join(dir, 'photos');
await mkdir(folder);
const names = await vocPhotoNames(photoCount);
await Promise.all(names.map((name) => copyFile(join(vocImages, name), join(folder, name))));
const truth = await vocTruth();

try {
  const latencies = await benchmark('with pre-labels', true);
  await benchmark('without pre-labels', false);
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  console.log(
    `key press → label committed (${sorted.length} label keys): p50 ${at(0.5)} ms, p95 ${at(0.95)} ms (target p95 <= 30 ms)`,
  );
} finally {
  await browser.close();
  await host.close();
  await studio.close();
  await rm(dir, { recursive: true, force: true });
}

/** Labels every photo to its ground truth with the keys; returns the key → commit latencies. */
async function benchmark(label: string, usePreLabels: boolean): Promise<number[]> {
  await api.createProject({ path: join(dir, `${usePreLabels ? 'with' : 'without'}.sqlite`) });
  await page.getByRole('heading', { level: 1 }).waitFor();
  for (const name of vocClasses) await api.createClass({ name });
  const classes = await api.listClasses({});
  // The app pre-labels what an import adds; both runs wait for it, one ignores the result.
  await api.startImport({ folder });
  await until(async () =>
    (await api.listJobs({})).some(
      (j) => j.kind === 'prelabel' && j.status === 'done' && j.done === photoCount,
    ),
  );
  await page.evaluate(() => {
    const w = globalThis as unknown as { __keys: number[]; __commits: number[] };
    w.__keys.length = 0;
    w.__commits.length = 0;
  });
  await page.getByRole('button', { name: 'Label photos' }).click();
  const latencies: number[] = [];
  let keystrokes = 0;
  for (let index = 0; index < photoCount; index += 1) {
    const name = await currentPhoto(page);
    const image = (await api.listImages({ limit: 500 })).images.find((i) => i.name === name)!;
    const keys = plan(classes, image, truth.get(name)!, usePreLabels);
    for (const key of keys) {
      const started = await commits(page);
      await page.keyboard.press(key);
      keystrokes += 1;
      await until(async () => (await commits(page)) > started);
      latencies.push(await lastLatency(page));
    }
    if (index < photoCount - 1) {
      await page.keyboard.press('ArrowRight');
      keystrokes += 1;
      await until(async () => (await currentPhoto(page)) !== name);
    }
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
  console.log(
    `${label}: ${photoCount} photos labelled to the VOC ground truth with ${keystrokes} keystrokes = ${(keystrokes / photoCount).toFixed(2)} per photo`,
  );
  await page.keyboard.press('Escape');
  return latencies;
}

/**
 * The fewest label keys that bring a photo to its ground truth. Hotkeys toggle: unknown or
 * negative → positive, positive → negative; 'a' accepts the pre-labels; 'x' marks the rest negative.
 */
function plan(
  classes: ClassInfo[],
  image: { predictions: { classId: number; probability: number }[] },
  truth: string[],
  usePreLabels: boolean,
): string[] {
  const wanted = new Set(truth);
  const hotkey = (c: ClassInfo) => c.hotkey!;
  const byHand = classes.filter((c) => wanted.has(c.name)).map(hotkey);
  if (!usePreLabels) return [...byHand, 'x'];
  const predicted = new Set(
    image.predictions
      .filter((p) => p.probability >= classes.find((c) => c.id === p.classId)!.threshold)
      .map((p) => p.classId),
  );
  if (predicted.size === 0) return [...byHand, 'x'];
  const fixes = classes.filter((c) => predicted.has(c.id) !== wanted.has(c.name)).map(hotkey);
  const withAccept = ['a', ...fixes, 'x'];
  return withAccept.length <= byHand.length + 1 ? withAccept : [...byHand, 'x'];
}

async function currentPhoto(page: Page): Promise<string> {
  return (
    (await page
      .getByRole('dialog', { name: /\.jpg$/ })
      .getByRole('heading', { level: 2 })
      .textContent()) ?? ''
  );
}

async function commits(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as { __commits: number[] }).__commits.length);
}

async function lastLatency(page: Page): Promise<number> {
  return page.evaluate(() => {
    const w = globalThis as unknown as { __keys: number[]; __commits: number[] };
    return w.__commits.at(-1)! - w.__keys.at(-1)!;
  });
}

async function until(condition: () => Promise<boolean>, timeout = 180_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
