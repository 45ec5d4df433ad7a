// Part of npm run bench:ui — the library grid at 10,000 photos in Debian's Chromium against the
// browser host: time to the first grid paint, and frame times while a script scrolls the grid from
// top to bottom (requestAnimationFrame timestamps), plus how long a jump far down takes to show its
// photos. Figures only.
//
// The project: the 765 real VOC photos with their labels.csv, then small distinct JPEGs made from
// them (each a VOC photo shrunk, with its own number written into a corner: photos are
// deduplicated by content) up to 10,000 photos. `--prelabel` pre-labels the VOC photos first (CPU,
// a few minutes here), so their tiles carry pre-label chips; `--photos N` sets the total.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type Page } from 'playwright-core';
import sharp from 'sharp';
import { createClient } from '$shared/rpc';
import { createStudio } from '../src/main/api';
import { startHost } from '../src/main/host/server';
import { rendererDir, vocImages, vocLabels } from '../test/fixtures/paths';
import { launchChromium, newPage } from '../test/fixtures/browser';
import { vocPhotoNames } from '../test/fixtures/voc';
import { jobDone, until } from '../test/fixtures/wait';

const { values: options } = parseArgs({
  options: {
    photos: { type: 'string', default: '10000' },
    prelabel: { type: 'boolean', default: false },
  },
});
const target = Number(options.photos);
const seconds = (from: number) => ((performance.now() - from) / 1000).toFixed(1);

const dir = await mkdtemp(join(tmpdir(), 'csra-bench-grid-'));
const studio = createStudio();
const api = createClient(studio);

try {
  await buildProject();
  await benchGrid();
} finally {
  await studio.close();
  await rm(dir, { recursive: true, force: true });
}

/** The VOC photos, then synthetic ones up to `target` photos. */
async function buildProject(): Promise<void> {
  await api.createProject({ path: join(dir, 'grid.sqlite') });
  let started = performance.now();
  await jobDone(api, (await api.startImport({ folder: vocImages, labelsFile: vocLabels })).id);
  const voc = (await api.listImages({ limit: 1 })).total;
  console.log(`project: ${voc} VOC photos with labels.csv imported in ${seconds(started)} s`);
  if (options.prelabel) {
    started = performance.now();
    await jobDone(api, (await api.startPrelabel({ provider: 'auto' })).id);
    console.log(`project: VOC photos pre-labelled in ${seconds(started)} s`);
  }

  const count = Math.max(0, target - voc);
  started = performance.now();
  const folder = join(dir, 'synthetic');
  await makeSyntheticPhotos(folder, count);
  console.log(`project: ${count} synthetic JPEGs written in ${seconds(started)} s`);
  started = performance.now();
  const job = await api.startImport({ folder });
  await jobDone(api, job.id);
  const report = await api.getImportReport({ jobId: job.id });
  const total = (await api.listImages({ limit: 1 })).total;
  console.log(
    `project: ${report.added} synthetic photos imported in ${seconds(started)} s ` +
      `(${report.duplicates.length} duplicates); ${total} photos in all`,
  );
}

/** `count` small distinct JPEGs: VOC photos shrunk to 160 × 120, each with its number in a corner. */
async function makeSyntheticPhotos(folder: string, count: number): Promise<void> {
  await mkdir(folder, { recursive: true });
  const names = await vocPhotoNames();
  const [width, height] = [160, 120];
  const bases = await Promise.all(
    names.map((name) =>
      sharp(join(vocImages, name)).resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer(),
    ),
  );
  const workers = Math.max(2, availableParallelism());
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) {
        const i = next++;
        const pixels = Buffer.from(bases[i % bases.length]!);
        // The number as 24 bits, one 4 × 4 block per bit, black or white: no two photos alike.
        for (let bit = 0; bit < 24; bit += 1) {
          const value = (i >> bit) & 1 ? 255 : 0;
          for (let y = 0; y < 4; y += 1)
            for (let x = 0; x < 4; x += 1)
              pixels.fill(value, (y * width + bit * 4 + x) * 3, (y * width + bit * 4 + x) * 3 + 3);
        }
        const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
          .jpeg({ quality: 80 })
          .toBuffer();
        await writeFile(join(folder, `synthetic-${String(i).padStart(5, '0')}.jpg`), jpeg);
      }
    }),
  );
}

async function benchGrid(): Promise<void> {
  const host = await startHost({ studio, rendererDir });
  const browser = await launchChromium();
  try {
    const page = await newPage(browser);
    // Marks, from the page's own clock (0 = navigation start): the first frame that paints grid
    // tiles with their photos' names, and the first one with every thumbnail in view decoded.
    await page.addInitScript({
      content: `window.__grid = {};
        const look = () => {
          const tiles = document.querySelectorAll('.grid .tile[data-image-id]');
          if (!window.__grid.tiles && tiles.length > 0) {
            requestAnimationFrame((t) => { window.__grid.tiles = t; window.__grid.tileCount = tiles.length; });
          }
          const imgs = [...document.querySelectorAll('.grid .tile img')]
            .filter((img) => img.getBoundingClientRect().top < innerHeight);
          if (!window.__grid.thumbnails && imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0)) {
            window.__grid.thumbnails = performance.now();
          }
          if (!window.__grid.thumbnails) requestAnimationFrame(look);
        };
        requestAnimationFrame(look);`,
    });
    const total = (await api.listImages({ limit: 1 })).total;
    const opened = performance.now();
    await page.goto(host.openUrl);
    await page.locator('.grid .tile[data-image-id]').first().waitFor({ timeout: 60_000 });
    await until(() => page.evaluate(`Boolean(window.__grid.thumbnails)`));
    const marks: { tiles: number; tileCount: number; thumbnails: number } =
      await page.evaluate('window.__grid');
    console.log(
      `grid: first paint of ${marks.tileCount} tiles ${marks.tiles.toFixed(0)} ms after navigation ` +
        `(thumbnails in view decoded at ${marks.thumbnails.toFixed(0)} ms; ` +
        `${((performance.now() - opened) / 1000).toFixed(1)} s wall clock from goto)`,
    );
    const head = (await page.locator('.library .head').textContent())?.replace(/\s+/g, ' ').trim();
    console.log(
      `grid: shows "${head}", ${await page.locator('.grid .tile').count()} tiles in the DOM of ${total}`,
    );

    // Scripted scrolls, a fixed distance per frame; frame times are rAF timestamp differences.
    // First at a browsing pace (thumbnails load as tiles come into view), then a flick from top
    // to bottom (tiles that fly past wait with their thumbnails until the scroll slows).
    const browse = await scrollRun(page, 30, 600);
    report('scroll (browse, 30 px/frame, thumbnails loading)', browse);
    const flick = await scrollRun(page, 120, 100_000);
    report('scroll (flick to the end, 120 px/frame)', flick);
    const lastName = (await api.listImages({ offset: total - 1, limit: 1 })).images[0]!.name;
    await until(
      async () => (await page.locator('.grid .tile .name').last().textContent())?.trim() === lastName,
    );
    console.log(`scroll: the end shows the last photo, ${lastName}`);

    // Jumps to places not loaded yet: time from the jump to every tile in view showing its photo.
    const jumps: number[] = [];
    for (const fraction of [0.5, 0.15, 0.85, 0.3, 0.7, 0.05, 0.95, 0.4, 0.6, 0.25]) {
      jumps.push(
        await page.evaluate(`new Promise((resolve) => {
          const viewport = document.querySelector('.library .viewport');
          const started = performance.now();
          viewport.scrollTop = ${fraction} * (viewport.scrollHeight - viewport.clientHeight);
          const check = () => {
            const box = viewport.getBoundingClientRect();
            const inView = [...document.querySelectorAll('.grid .tile')].filter((tile) => {
              const r = tile.getBoundingClientRect();
              return r.bottom > box.top && r.top < box.bottom;
            });
            if (inView.length > 0 && inView.every((tile) => tile.dataset.imageId)) resolve(performance.now() - started);
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        })`),
      );
    }
    jumps.sort((a, b) => a - b);
    console.log(
      `jump: a jump to an unread part shows its photos in p50 ${jumps[4]!.toFixed(0)} ms, ` +
        `max ${jumps.at(-1)!.toFixed(0)} ms (pages of 200 read on demand)`,
    );
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, headless Chromium without GPU`);
  } finally {
    await browser.close();
    await host.close();
  }
}

interface ScrollRun {
  frames: number[];
  distance: number;
  maxTiles: number;
  blankFrames: number;
}

/** Scrolls the grid from the top by `step` px a frame, for `maxFrames` frames or to the end. */
function scrollRun(page: Page, step: number, maxFrames: number): Promise<ScrollRun> {
  return page.evaluate(`new Promise((resolve) => {
    const viewport = document.querySelector('.library .viewport');
    viewport.scrollTop = 0;
    const frames = [];
    let last = null, maxTiles = 0, blankFrames = 0;
    const tick = (t) => {
      if (last !== null) frames.push(t - last);
      last = t;
      maxTiles = Math.max(maxTiles, document.querySelectorAll('.grid .tile').length);
      if (document.querySelector('.grid .tile:not([data-image-id])')) blankFrames += 1;
      if (frames.length >= ${maxFrames} || viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - 1) {
        resolve({ frames, distance: viewport.scrollTop, maxTiles, blankFrames });
        return;
      }
      viewport.scrollTop += ${step};
      requestAnimationFrame(tick);
    };
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick); });
  })`);
}

function report(label: string, run: ScrollRun): void {
  const frames = [...run.frames].sort((a, b) => a - b);
  const at = (q: number) => frames[Math.min(frames.length - 1, Math.floor(q * frames.length))]!;
  console.log(
    `${label}: ${frames.length} frames over ${(run.distance / 1000).toFixed(0)}k px: ` +
      `frame time p50 ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${frames.at(-1)!.toFixed(1)} ms; ` +
      `${frames.filter((f) => f > 17.5).length} frames over 16.7 ms, ${frames.filter((f) => f > 34).length} over 33 ms; ` +
      `at most ${run.maxTiles} tiles in the DOM; ${run.blankFrames} frames with a tile waiting for its page`,
  );
}
