// End to end in Debian's Chromium: the labeling workspace as an annotator meets it. Ten real VOC
// photos (four with dogs) in a project with the twenty VOC classes, pre-labelled without asking
// after the import; then labeling with the keyboard alone, checking the database through the API
// after every key, the dog overlay's peak against the dog's box from the VOC XML, "all classes"
// mode, zoom, and the shortcut sheet. (The times of switching photo or class: npm run bench:ui.)
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ClassInfo, ImageSummary, Label } from '$shared/contract';
import { shownState } from '$shared/labels';
import { overlayAlpha } from '../../src/renderer/src/lib/attention-overlay';
import { classKeyDescription, keymap } from '../../src/renderer/src/lib/keymap';
import {
  copyVocPhotoFiles,
  vocBoxes,
  vocClasses as readVocClasses,
  vocDogPhotos,
  vocPhotoNames,
  vocTruth,
} from '../fixtures/voc';
import { screenshots, slow, startE2eApp } from '../fixtures/e2e';

const vocClasses = await readVocClasses();
/** The first six photos in file order, then four with dogs: ten, in the workspace's (name) order. */
const photoNames = [...(await vocPhotoNames(6)), ...vocDogPhotos];

const { dir, api, host, page, problems } = await startE2eApp('workspace');
let classes: ClassInfo[];
/** Photo ids by name. */
const ids = new Map<string, number>();

beforeAll(async () => {
  const folder = join(dir, 'photos');
  await copyVocPhotoFiles(folder, photoNames);

  await page.goto(host.openUrl);
  await api.createProject({ path: join(dir, 'workspace.sqlite') });
  await page.getByRole('heading', { level: 1, name: 'workspace' }).waitFor(slow);
  for (const name of vocClasses) await api.createClass({ name });
  classes = await api.listClasses({});
  // The app pre-labels what an import adds by itself: wait for that run to finish.
  await api.startImport({ folder });
  await vi.waitFor(
    async () => {
      const jobs = await api.listJobs({});
      expect(jobs.some((job) => job.kind === 'prelabel' && job.status === 'done' && job.done === 10)).toBe(
        true,
      );
    },
    { timeout: 120_000, interval: 200 },
  );
  for (const image of (await api.listImages({})).images) ids.set(image.name, image.id);
  await mkdir(screenshots, { recursive: true });
}, 180_000);

const stage = () => page.locator('.photo-stage');
const dialog = () => page.getByRole('dialog', { name: /\.jpg$/ });
const classId = (name: string) => classes.find((item) => item.name === name)!.id;
const hotkey = (name: string) => classes.find((item) => item.name === name)!.hotkey!;

async function committed(): Promise<number> {
  return Number(await stage().getAttribute('data-label-committed'));
}

/** Presses a label key and waits until its request is answered (the change is in the database). */
async function pressLabel(key: string): Promise<void> {
  const before = await committed();
  await page.keyboard.press(key);
  await expect.poll(committed, slow).toBe(before + 1);
}

/** The labels of a photo in the database, as `class:state:source`, sorted. */
async function labelsOf(name: string): Promise<string[]> {
  const image = await api.getImage({ imageId: ids.get(name)! });
  return describeLabels(image.labels);
}

function describeLabels(labels: Label[]): string[] {
  const nameOf = (id: number) => classes.find((item) => item.id === id)!.name;
  return labels.map((label) => `${nameOf(label.classId)}:${label.state}:${label.source}`).sort();
}

/** Waits until the workspace shows the photo, drawn on the stage. */
async function showing(name: string): Promise<void> {
  await expect.poll(() => dialog().getByRole('heading', { level: 2 }).textContent(), slow).toBe(name);
  await expect.poll(() => stage().getAttribute('data-image-id'), slow).toBe(String(ids.get(name)));
}

/** A class's row in the side panel. */
const row = (name: string) => page.locator(`.label-panel .row[data-class-id="${classId(name)}"]`);

/** A class's row in the side panel: its state and source as the panel shows them. */
async function rowState(name: string): Promise<string> {
  return `${await row(name).getAttribute('data-state')}:${await row(name).getAttribute('data-source')}`;
}

/** The background of a class's toggle in the side panel: green when positive, red when negative. */
function toggleColor(name: string): Promise<string> {
  return row(name)
    .locator('.toggle')
    .evaluate((element) => element.ownerDocument.defaultView!.getComputedStyle(element).backgroundColor);
}

/** Presses a key that switches photo or class, and waits until the stage has drawn that switch. */
async function switched(key: string, kind: 'photo' | 'class'): Promise<void> {
  const before = Number(await stage().getAttribute('data-redraw-count'));
  await page.keyboard.press(key);
  await expect
    .poll(async () => Number(await stage().getAttribute('data-redraw-count')), slow)
    .toBe(before + 1);
  expect(await stage().getAttribute('data-redraw-kind')).toBe(kind);
}

describe('the labeling workspace', () => {
  it('opens on the first photo without labels, with every class, its key, probability and state', async () => {
    await page.getByRole('button', { name: 'Label photos' }).click();
    await showing('000005.jpg');
    expect(await dialog().locator('.position').textContent()).toMatch(/^1 of 10 · 500 × 375$/);

    const image = await api.getImage({ imageId: ids.get('000005.jpg')! });
    expect(image.predictions).toHaveLength(20);
    const rows = await page.locator('.label-panel .row').all();
    expect(rows).toHaveLength(20);
    for (const [index, row] of rows.entries()) {
      const item = classes[index]!;
      expect(await row.locator('.name').textContent()).toBe(item.name);
      expect(await row.locator('.hotkey').textContent()).toBe(item.hotkey!.toUpperCase());
      const probability = image.predictions.find((p) => p.classId === item.id)!.probability;
      expect(await row.locator('.value').textContent()).toBe(probability.toFixed(2));
      expect(await row.getAttribute('data-state')).toBe('unknown');
      // A pre-label (what 'a' accepts) is outlined: unknown, at the class's threshold or above.
      expect(await row.evaluate((element) => element.classList.contains('pre-label'))).toBe(
        probability >= item.threshold,
      );
    }
    // The model sees a chair in 000005.jpg (VOC: chair): pre-labelled.
    expect(
      await page.locator(`.label-panel .row.pre-label[data-class-id="${classId('chair')}"]`).count(),
    ).toBe(1);
    // Positive rows are green, negative red: the colors come from the state (checked below).
  });

  it('toggles a class with its key, and undoes and redoes with Ctrl+Z and Ctrl+Shift+Z', async () => {
    const key = hotkey('cow');
    expect(key).toBe('0');
    await pressLabel(key);
    expect(await labelsOf('000005.jpg')).toEqual(['cow:positive:human']);
    await expect.poll(() => rowState('cow')).toBe('positive:human');
    expect(await toggleColor('cow')).toBe('rgba(69, 192, 138, 0.14)');

    await pressLabel(key);
    expect(await labelsOf('000005.jpg')).toEqual(['cow:negative:human']);
    await expect.poll(() => rowState('cow')).toBe('negative:human');
    expect(await toggleColor('cow')).toBe('rgba(240, 113, 120, 0.09)');

    await pressLabel(key);
    expect(await labelsOf('000005.jpg')).toEqual(['cow:positive:human']);

    await pressLabel('Control+z');
    expect(await labelsOf('000005.jpg')).toEqual(['cow:negative:human']);
    await expect.poll(() => rowState('cow')).toBe('negative:human');
    await pressLabel('Control+z');
    expect(await labelsOf('000005.jpg')).toEqual(['cow:positive:human']);
    await pressLabel('Control+Shift+Z');
    expect(await labelsOf('000005.jpg')).toEqual(['cow:negative:human']);
    await expect.poll(() => rowState('cow')).toBe('negative:human');

    // Clicking a class's row does what its key does.
    const before = await committed();
    await row('cow').locator('.toggle').click();
    await expect.poll(committed, slow).toBe(before + 1);
    expect(await labelsOf('000005.jpg')).toEqual(['cow:positive:human']);
    await pressLabel('Control+z');
    expect(await labelsOf('000005.jpg')).toEqual(['cow:negative:human']);
  });

  it("accepts the pre-labels with 'a' and marks the rest negative with 'x', each undoable", async () => {
    const image = await api.getImage({ imageId: ids.get('000005.jpg')! });
    const known = new Set(image.labels.map((label) => label.classId));
    const expectedAccepted = classes
      .filter((item) => !known.has(item.id))
      .filter((item) => image.predictions.find((p) => p.classId === item.id)!.probability >= item.threshold)
      .map((item) => `${item.name}:positive:accepted`);
    expect(expectedAccepted).toContain('chair:positive:accepted');

    await pressLabel('a');
    const afterAccept = [...expectedAccepted, 'cow:negative:human'].sort();
    expect(await labelsOf('000005.jpg')).toEqual(afterAccept);
    await expect.poll(() => rowState('chair')).toBe('positive:accepted');

    await pressLabel('x');
    const afterReject = await labelsOf('000005.jpg');
    expect(afterReject).toHaveLength(20);
    expect(afterReject.filter((label) => label.endsWith(':positive:accepted'))).toEqual(expectedAccepted);
    expect(afterReject.filter((label) => label.endsWith(':negative:human'))).toHaveLength(
      20 - expectedAccepted.length,
    );
    await expect.poll(() => page.locator('.label-panel .row[data-state="unknown"]').count()).toBe(0);
    await page.screenshot({ path: join(screenshots, 'workspace-labelled.png') });

    await pressLabel('Control+z');
    expect(await labelsOf('000005.jpg')).toEqual(afterAccept);
    await expect
      .poll(() => page.locator('.label-panel .row[data-state="unknown"]').count())
      .toBe(20 - afterAccept.length);
    await pressLabel('Control+Shift+Z');
    expect(await labelsOf('000005.jpg')).toEqual(afterReject);
  });

  it("moves with the arrows, and 'n' jumps to the next photo without labels", async () => {
    await switched('ArrowRight', 'photo');
    await showing('000009.jpg');
    expect(await dialog().locator('.position').textContent()).toMatch(/^2 of 10/);
    await switched('ArrowLeft', 'photo');
    await showing('000005.jpg');
    // The first photo has no previous one: ← stays.
    await page.keyboard.press('ArrowLeft');
    await showing('000005.jpg');

    // Label the second photo, then come back: 'n' skips it for the third.
    await page.keyboard.press('ArrowRight');
    await showing('000009.jpg');
    await pressLabel('x');
    expect(await labelsOf('000009.jpg')).toHaveLength(20);
    await page.keyboard.press('ArrowLeft');
    await showing('000005.jpg');
    await page.keyboard.press('n');
    await showing('000012.jpg');
    // From a photo without labels, 'n' goes on to the next one without labels.
    await page.keyboard.press('n');
    await showing('000026.jpg');
    expect(await labelsOf('000012.jpg')).toEqual([]);
  });

  it('advances after accept when asked to, and remembers that choice', async () => {
    const toggle = dialog().getByLabel('Auto-advance after accept');
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    expect(await page.evaluate(`localStorage.getItem('csra-studio.workspace.autoAdvance')`)).toBe('true');
    await stage().focus();

    const image = await api.getImage({ imageId: ids.get('000026.jpg')! });
    const expected = classes
      .filter((item) => image.predictions.find((p) => p.classId === item.id)!.probability >= item.threshold)
      .map((item) => `${item.name}:positive:accepted`);
    await pressLabel('a');
    await showing('000033.jpg');
    expect(await labelsOf('000026.jpg')).toEqual(expected);

    // Remembered across a reload of the app.
    await page.reload();
    await page.getByRole('button', { name: 'Label photos' }).click();
    await showing('000012.jpg');
    expect(await dialog().getByLabel('Auto-advance after accept').isChecked()).toBe(true);
    await dialog().getByLabel('Auto-advance after accept').uncheck();
    expect(await page.evaluate(`localStorage.getItem('csra-studio.workspace.autoAdvance')`)).toBe('false');
    await stage().focus();
    // Undo reaches back to the accept on 000026.jpg and shows that photo.
    await pressLabel('Control+z');
    await showing('000026.jpg');
    expect(await labelsOf('000026.jpg')).toEqual([]);
  });

  it('brings a photo to its VOC truth by flipping what the model got wrong, then Enter confirms and moves on', async () => {
    await showing('000026.jpg');
    const image = await api.getImage({ imageId: ids.get('000026.jpg')! });
    const truth = new Set((await vocTruth()).get('000026.jpg'));
    const wrong = classes.filter(
      (item) => (shownState(image, classes, item.id) === 'positive') !== truth.has(item.name),
    );
    // A class row clicked twice with the mouse (unknown → yes → no) leaves the keys with the stage:
    // Enter below confirms the photo rather than pressing that row again.
    const untouched = classes.find((item) => !wrong.includes(item) && !truth.has(item.name))!;
    for (let i = 0; i < 2; i += 1) {
      const before = await committed();
      await row(untouched.name).locator('.toggle').click();
      await expect.poll(committed, slow).toBe(before + 1);
    }
    for (const item of wrong) await pressLabel(item.hotkey!);
    await pressLabel('Enter');
    await showing('000033.jpg');
    const expected = classes.map((item) => {
      if (wrong.includes(item)) return `${item.name}:${truth.has(item.name) ? 'positive' : 'negative'}:human`;
      return truth.has(item.name) ? `${item.name}:positive:accepted` : `${item.name}:negative:human`;
    });
    expect(await labelsOf('000026.jpg')).toEqual(expected.sort());
    await pressLabel('Control+z');
    await showing('000026.jpg');
    expect(await labelsOf('000026.jpg')).toHaveLength(wrong.length + 1);
  });

  it("overlays the dog's class map so that it peaks inside the dog's box, on each photo with a dog", async () => {
    const dog = classId('dog');
    for (const [index, name] of vocDogPhotos.entries()) {
      while ((await dialog().getByRole('heading', { level: 2 }).textContent()) !== name) {
        await switched('ArrowRight', 'photo');
      }
      await showing(name);
      // ↓ and ↑ move the overlay through the classes that have maps: until it shows the dog.
      for (
        let step = 0;
        step < 4 && (await stage().getAttribute('data-overlay-class')) !== String(dog);
        step += 1
      ) {
        await switched('ArrowDown', 'class');
      }
      expect(await stage().getAttribute('data-overlay-class')).toBe(String(dog));
      const image = await api.getImage({ imageId: ids.get(name)! });
      const { boxes, width, height } = await vocBoxes(name, 'dog');
      expect([image.width, image.height]).toEqual([width, height]);
      const peak = await overlayPeak(image);
      await expectOverlayFollowsMap(ids.get(name)!, dog);
      const slack = Math.max(width, height) / 64;
      expect(
        boxes.some(
          (box) =>
            peak.x >= box.xmin - slack &&
            peak.x <= box.xmax + slack &&
            peak.y >= box.ymin - slack &&
            peak.y <= box.ymax + slack,
        ),
        `${name}: overlay peak (${peak.x.toFixed(0)}, ${peak.y.toFixed(0)}) outside ${JSON.stringify(boxes)}`,
      ).toBe(true);
      if (index === 0) await page.screenshot({ path: join(screenshots, 'workspace-stage.png') });
    }
    // Switching between classes that have maps: ↑ back and ↓ again.
    await switched('ArrowUp', 'class');
    await switched('ArrowDown', 'class');
    expect(await stage().getAttribute('data-overlay-class')).toBe(String(dog));
  });

  it("'m' marks each predicted class's peak with its name; 'v' turns the overlay off and on", async () => {
    const name = vocDogPhotos.at(-1)!;
    await showing(name);
    await switched('m', 'class');
    expect(await stage().getAttribute('data-mode')).toBe('all-classes');
    const maps = await api.getClassMaps({ imageId: ids.get(name)! });
    const peaks = page.getByRole('list', { name: 'Where the model sees each class' }).getByRole('listitem');
    // Only the classes at or above their threshold are marked, not a weak guess of every map.
    const threshold = (id: number) => classes.find((item) => item.id === id)!.threshold;
    const reaching = maps.maps.filter((map) => map.probability >= threshold(map.classId));
    expect(reaching.length).toBeLessThan(maps.maps.length);
    await expect.poll(() => peaks.count()).toBe(reaching.length);
    const dogPeak = peaks.filter({ hasText: /^dog / });
    expect(await dogPeak.count()).toBe(1);
    const image = await api.getImage({ imageId: ids.get(name)! });
    const x = Number(await dogPeak.getAttribute('data-x')) * image.width;
    const y = Number(await dogPeak.getAttribute('data-y')) * image.height;
    const { boxes } = await vocBoxes(name, 'dog');
    expect(boxes.some((box) => x >= box.xmin && x <= box.xmax && y >= box.ymin && y <= box.ymax)).toBe(true);
    // A marker is drawn there: the marker canvas is not empty at the peak, the overlay is hidden.
    const marked = await page.evaluate(`(() => {
      const canvas = document.querySelector('.photo-stage canvas[data-layer="markers"]');
      const [rx, ry, rw, rh] = document.querySelector('.photo-stage').dataset.photoRect.split(',').map(Number);
      const ratio = canvas.width / canvas.clientWidth;
      const px = Math.round((rx + ${x / image.width} * rw) * ratio);
      const py = Math.round((ry + ${y / image.height} * rh) * ratio);
      return canvas.getContext('2d').getImageData(px, py, 1, 1).data[3];
    })()`);
    expect(marked).toBeGreaterThan(0);
    expect(await page.locator('.photo-stage canvas[data-layer="overlay"]').isVisible()).toBe(false);
    await page.screenshot({ path: join(screenshots, 'workspace-all-classes.png') });

    await switched('m', 'class');
    expect(await stage().getAttribute('data-mode')).toBe('overlay');
    await switched('v', 'class');
    expect(await stage().getAttribute('data-mode')).toBe('photo');
    expect(await page.locator('.photo-stage canvas[data-layer="overlay"]').isVisible()).toBe(false);
    await switched('v', 'class');
    expect(await stage().getAttribute('data-mode')).toBe('overlay');
    expect(await page.locator('.photo-stage canvas[data-layer="overlay"]').isVisible()).toBe(true);
  });

  it('zooms with + and - and the wheel, pans by dragging, and fits again with Ctrl+0', async () => {
    const rect = async () => (await stage().getAttribute('data-photo-rect'))!.split(',').map(Number);
    const fitted = await rect();
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    const zoomed = await rect();
    expect(zoomed[2]! / fitted[2]!).toBeCloseTo(1.5625, 3);
    await page.keyboard.press('-');
    expect((await rect())[2]! / fitted[2]!).toBeCloseTo(1.25, 3);

    const box = (await stage().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -300);
    await expect.poll(async () => (await rect())[2]! / fitted[2]!).toBeGreaterThan(1.5);
    const beforeDrag = await rect();
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    const dragged = await rect();
    expect(dragged[0]! - beforeDrag[0]!).toBeCloseTo(80, 0);
    expect(dragged[1]! - beforeDrag[1]!).toBeCloseTo(40, 0);

    await page.keyboard.press('Control+0');
    expect(await rect()).toEqual(fitted);
  });

  it("'?' lists every shortcut of the keymap and every class key; Escape closes it, then the workspace", async () => {
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    for (const binding of keymap) {
      const row = help.locator(`[data-binding="${binding.id}"]`);
      expect(await row.locator('dd').textContent()).toBe(binding.description);
      expect((await row.locator('kbd').allTextContents()).length).toBe(binding.chords.length);
    }
    expect(await help.locator('[data-binding="class"] dd').textContent()).toContain(classKeyDescription);
    expect(await help.locator('[data-binding="undo"] kbd').textContent()).toBe('Ctrl+Z');
    expect(await help.locator('[data-binding="redo"] kbd').allTextContents()).toEqual([
      'Ctrl+Shift+Z',
      'Ctrl+Y',
    ]);
    const classKeys = await help.locator('.classes li').allTextContents();
    expect(classKeys.map((text) => text.replace(/\s+/g, ' ').trim())).toEqual(
      classes.map((item) => `${item.hotkey!.toUpperCase()} ${item.name}`),
    );
    await page.screenshot({ path: join(screenshots, 'workspace-help.png') });

    // While the sheet is open, label keys do nothing.
    const before = await committed();
    await page.keyboard.press('a');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    expect(await committed()).toBe(before);
    expect(await dialog().isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
  });

  it('switches photo and class again and again, and commits each of ten presses of a class key', async () => {
    await page.getByRole('button', { name: 'Label photos' }).click();
    await showing('000012.jpg');
    for (let i = 0; i < 6; i += 1) await switched('ArrowRight', 'photo');
    for (let i = 0; i < 6; i += 1) await switched('ArrowLeft', 'photo');
    await showing('000012.jpg');
    for (let i = 0; i < 6; i += 1) await switched(i % 2 ? 'ArrowUp' : 'ArrowDown', 'class');

    // Ten presses of one class's key, each committed before the next: an even number of flips
    // leaves the class as the photo showed it (positive, or else negative), now labelled by hand.
    const image = await api.getImage({ imageId: ids.get('000012.jpg')! });
    const shown = shownState(image, classes, classId('bird')) === 'positive' ? 'positive' : 'negative';
    for (let i = 0; i < 10; i += 1) await pressLabel(hotkey('bird'));
    expect(await labelsOf('000012.jpg')).toEqual([`bird:${shown}:human`]);
  });

  it('logged no console error and no Content Security Policy violation on the way', async () => {
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});

/**
 * The most opaque pixel of the overlay canvas, in the photo's pixels: read from the canvas the stage
 * draws the overlay on, placed through where the stage shows the photo.
 */
async function overlayPeak(image: ImageSummary): Promise<{ x: number; y: number }> {
  const found: { x: number; y: number; opaque: number } = await page.evaluate(`(() => {
    const canvas = document.querySelector('.photo-stage canvas[data-layer="overlay"]');
    const [rx, ry, rw, rh] = document.querySelector('.photo-stage').dataset.photoRect.split(',').map(Number);
    const ratio = canvas.width / canvas.clientWidth;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let best = -1, at = 0, opaque = 0;
    for (let i = 0; i < canvas.width * canvas.height; i += 1) {
      if (data[i * 4 + 3] === 0) continue;
      opaque += 1;
      // Alpha rises with the value: the most opaque pixel is the peak.
      if (data[i * 4 + 3] > best) { best = data[i * 4 + 3]; at = i; }
    }
    const cx = ((at % canvas.width) + 0.5) / ratio, cy = (Math.floor(at / canvas.width) + 0.5) / ratio;
    return { x: ((cx - rx) / rw) * ${image.width}, y: ((cy - ry) / rh) * ${image.height}, opaque };
  })()`);
  expect(found.opaque).toBeGreaterThan(0);
  return found;
}

/**
 * The overlay shows the class map faithfully: on the photo and nowhere else, at the slider's
 * opacity, each map cell's centre as opaque as its value (transparent where the model sees nothing,
 * so the photo stays readable) and colored lighter where the value is higher.
 */
async function expectOverlayFollowsMap(imageId: number, classId: number): Promise<void> {
  const answer = await api.getClassMaps({ imageId });
  const map = answer.maps.find((candidate) => candidate.classId === classId)!;
  const values = [...Buffer.from(map.values, 'base64')];
  const drawn: { cellAlpha: number[]; cellLuma: [number, number][]; outside: number; opacity: string } =
    await page.evaluate(`(() => {
    const size = ${answer.size};
    const canvas = document.querySelector('.photo-stage canvas[data-layer="overlay"]');
    const [rx, ry, rw, rh] = document.querySelector('.photo-stage').dataset.photoRect.split(',').map(Number);
    const ratio = canvas.width / canvas.clientWidth;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const at = (x, y) => (Math.floor(y * ratio) * canvas.width + Math.floor(x * ratio)) * 4;
    let outside = 0;
    for (let i = 0; i < canvas.width * canvas.height; i += 1) {
      if (data[i * 4 + 3] === 0) continue;
      const x = (i % canvas.width) / ratio, y = Math.floor(i / canvas.width) / ratio;
      if (x < rx - 1 || x > rx + rw + 1 || y < ry - 1 || y > ry + rh + 1) outside += 1;
    }
    const cellAlpha = [], cellLuma = [];
    for (let y = 0; y < size; y += 1)
      for (let x = 0; x < size; x += 1) {
        const i = at(rx + ((x + 0.5) / size) * rw, ry + ((y + 0.5) / size) * rh);
        cellAlpha.push(data[i + 3]);
        if (data[i + 3] > 64) cellLuma.push([0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2], y * size + x]);
      }
    return { cellAlpha, cellLuma, outside, opacity: getComputedStyle(canvas).opacity };
  })()`);
  expect(drawn.outside).toBe(0);
  const alphas = values.map((value) => overlayAlpha[value]!);
  expect(correlation(drawn.cellAlpha, alphas)).toBeGreaterThan(0.9);
  // Where the model sees least, the photo shows through; the color is read where it is solid.
  const lowest = values.indexOf(Math.min(...values));
  expect(drawn.cellAlpha[lowest]).toBeLessThan(alphas[lowest]! + 16);
  expect(Math.min(...alphas)).toBeLessThan(32);
  expect(drawn.cellLuma.length).toBeGreaterThan(1);
  expect(
    correlation(
      drawn.cellLuma.map(([luma]) => luma),
      drawn.cellLuma.map(([, cell]) => values[cell]!),
    ),
  ).toBeGreaterThan(0.9);
  expect(Number(drawn.opacity)).toBeCloseTo(0.55, 2);
}

/** Pearson's correlation of two equally long series. */
function correlation(a: number[], b: number[]): number {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i += 1) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}
