// The workspace store against a real studio: real VOC photos, the twenty VOC classes, pre-labels
// and class maps from the default model pack, and every label command checked in the database.
import { describe, expect, it, vi } from 'vitest';
import type { ClassInfo, ImageSummary, Label } from '$shared/contract';
import { createClient } from '$shared/rpc';
import {
  eachTestStudio,
  jobEnd,
  makePhotoFolder,
  vocClasses as readVocClasses,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
import { autoAdvanceKey, peakOf, WorkspaceStore } from './workspace.svelte';

const patience = { timeout: 60_000, interval: 10 };
const vocClasses = await readVocClasses();

let studio: TestStudio;
let store: WorkspaceStore;
let classes: ClassInfo[];
/** Photos in the workspace's order (by name). */
let images: ImageSummary[];

eachTestStudio((created) => {
  studio = created;
  return () => store?.dispose();
});

/** A project with the VOC classes and `count` real photos, pre-labelled when asked. */
async function project(count: number, { prelabel = false } = {}): Promise<void> {
  const { api } = studio;
  await api.createProject({ path: studio.projectPath });
  for (const name of vocClasses) await api.createClass({ name });
  classes = await api.listClasses({});
  const photos = await makePhotoFolder(studio.dir, { count });
  const job = await api.startImport({ folder: photos.folder });
  expect((await jobEnd(api, job.id)).status).toBe('done');
  if (prelabel) {
    const run = await api.startPrelabel({ provider: 'cpu' });
    expect((await jobEnd(api, run.id)).status).toBe('done');
  }
  images = (await api.listImages({})).images;
}

function open(options: ConstructorParameters<typeof WorkspaceStore>[1] = {}): WorkspaceStore {
  store = new WorkspaceStore(studio.api, { storage: null, ...options });
  return store;
}

const idOf = (name: string) => classes.find((item) => item.name === name)!.id;

function describeLabels(labels: Label[]): string[] {
  const nameOf = (id: number) => classes.find((item) => item.id === id)!.name;
  return labels.map((label) => `${nameOf(label.classId)}:${label.state}:${label.source}`).sort();
}

async function labelsInDb(imageId: number): Promise<string[]> {
  return describeLabels((await studio.api.getImage({ imageId })).labels);
}

/** Waits until the store shows the photo with its summary and maps read. */
async function showing(imageId: number): Promise<void> {
  await vi.waitFor(() => {
    expect(store.imageId).toBe(imageId);
    expect(store.image?.id).toBe(imageId);
    expect(store.mapsFor).toBe(imageId);
  }, patience);
}

describe('the workspace store', () => {
  it('opens on a photo with the classes, the order, its pre-labels and its class maps', async () => {
    await project(4, { prelabel: true });
    open();
    const [first, second] = images;
    await store.open(second!.id);
    await showing(second!.id);

    expect(store.isOpen).toBe(true);
    expect(store.ids).toEqual(images.map((image) => image.id));
    expect(store.index).toBe(1);
    expect(store.hasPrevious).toBe(true);
    expect(store.hasNext).toBe(true);
    expect(store.neighbours).toEqual([images[2]!.id, first!.id]);
    expect(store.classes.map((item) => item.name)).toEqual(vocClasses);

    // One row per class, in class order, with the model's probability and no label yet.
    expect(store.rows.map((row) => row.item.name)).toEqual(vocClasses);
    for (const row of store.rows) {
      const probability = second!.predictions.find((p) => p.classId === row.item.id)!.probability;
      expect(row.probability).toBe(probability);
      expect(row.label).toBeNull();
      expect(row.preLabel).toBe(probability >= row.item.threshold);
    }
    // 000009.jpg is horses and people: the model pre-labels the people.
    expect(second!.name).toBe('000009.jpg');
    const preLabelled = store.rows.filter((row) => row.preLabel).map((row) => row.item.name);
    expect(preLabelled).toContain('person');

    // Maps of the strongest classes, strongest first; the strongest one shows until one is chosen.
    const answer = await studio.api.getClassMaps({ imageId: second!.id });
    expect(store.maps.map((map) => map.classId)).toEqual(answer.maps.map((map) => map.classId));
    expect(store.selectedMap?.classId).toBe(answer.maps[0]!.classId);
    expect(store.rows.filter((row) => row.hasMap).length).toBe(answer.maps.length);
    // "All classes" marks only the classes at or above their threshold: the people, not the rest.
    const threshold = (id: number) => store.classes.find((item) => item.id === id)!.threshold;
    const reaching = store.maps.filter((map) => map.probability >= threshold(map.classId));
    expect(reaching.length).toBeGreaterThan(0);
    expect(reaching.length).toBeLessThan(store.maps.length);
    expect(store.peaks.map((peak) => peak.classId)).toEqual(reaching.map((map) => map.classId));
    expect(store.peaks.map((peak) => peak.name)).toContain('person');
    for (const [index, peak] of store.peaks.entries()) {
      expect(peak).toMatchObject(peakOf(reaching[index]!));
      expect(peak.x).toBeGreaterThan(0);
      expect(peak.x).toBeLessThan(1);
    }
  });

  it('toggles a class: unknown → positive → negative → positive, each press saved in order', async () => {
    await project(2);
    open();
    const photo = images[0]!.id;
    await store.open(photo);
    await showing(photo);
    const dog = idOf('dog');

    await store.toggleClass(dog);
    expect(await labelsInDb(photo)).toEqual(['dog:positive:human']);
    expect(store.stateOf(dog)).toBe('positive');
    expect(store.commits).toBe(1);
    await store.toggleClass(dog);
    expect(await labelsInDb(photo)).toEqual(['dog:negative:human']);
    expect(store.rows.find((row) => row.item.id === dog)?.label).toEqual({
      classId: dog,
      state: 'negative',
      source: 'human',
    });

    // Keys pressed faster than the answers come are saved one after the other, in order.
    const presses = [store.toggleClass(dog), store.toggleClass(dog), store.toggleClass(idOf('cat'))];
    expect(store.pending).toBe(3);
    await Promise.all(presses);
    expect(store.pending).toBe(0);
    expect(await labelsInDb(photo)).toEqual(['cat:positive:human', 'dog:negative:human']);
    expect(store.commits).toBe(5);
    expect(store.error).toBeNull();

    await store.setLabel(dog, null);
    expect(await labelsInDb(photo)).toEqual(['cat:positive:human']);
    expect(store.stateOf(dog)).toBeNull();
  });

  it('accepts pre-labels, rejects the rest, and undoes and redoes each, reading the photo again', async () => {
    await project(3, { prelabel: true });
    open();
    const image = images[1]!;
    await store.open(image.id);
    await showing(image.id);
    const expected = classes
      .filter((item) => image.predictions.find((p) => p.classId === item.id)!.probability >= item.threshold)
      .map((item) => `${item.name}:positive:accepted`);
    expect(expected.length).toBeGreaterThan(0);

    await store.accept();
    expect(await labelsInDb(image.id)).toEqual(expected);
    expect(describeLabels(store.image!.labels)).toEqual(expected);
    expect(store.rows.filter((row) => row.preLabel)).toEqual([]);
    expect(store.message).toBe(`Accepted ${expected.length} pre-label${expected.length === 1 ? '' : 's'}`);

    await store.rejectRest();
    const all = await labelsInDb(image.id);
    expect(all).toHaveLength(20);
    expect(describeLabels(store.image!.labels)).toEqual(all);
    expect(all.filter((label) => label.endsWith(':negative:human'))).toHaveLength(20 - expected.length);

    await store.undo();
    expect(await labelsInDb(image.id)).toEqual(expected);
    expect(describeLabels(store.image!.labels)).toEqual(expected);
    expect(store.message).toMatch(/^Undid: mark the rest negative/);
    await store.redo();
    expect(describeLabels(store.image!.labels)).toEqual(all);
    await store.redo();
    expect(store.message).toBe('Nothing to redo');
    expect(store.commits).toBe(5);

    // Undoing a change to another photo shows that photo.
    store.next();
    await showing(images[2]!.id);
    await store.undo();
    await showing(image.id);
    expect(describeLabels(store.image!.labels)).toEqual(expected);
  });

  it('moves through the order, and to the next photo without labels, wrapping around', async () => {
    await project(5);
    open();
    const ids = images.map((image) => image.id);
    await store.open(ids[0]!);
    await showing(ids[0]!);
    store.previous();
    expect(store.imageId).toBe(ids[0]);
    store.next();
    await showing(ids[1]!);
    store.goTo(ids[4]!);
    await showing(ids[4]!);
    expect(store.hasNext).toBe(false);
    store.next();
    expect(store.imageId).toBe(ids[4]);

    // Photos 2 and 4 get labels; from the last photo 'n' wraps around to the first without any.
    await studio.api.setLabels({
      changes: [
        { imageId: ids[0]!, classId: idOf('chair'), state: 'positive' },
        { imageId: ids[1]!, classId: idOf('horse'), state: 'positive' },
        { imageId: ids[3]!, classId: idOf('car'), state: 'negative' },
      ],
    });
    await store.nextUnlabelled();
    await showing(ids[2]!);
    await store.nextUnlabelled();
    await showing(ids[4]!);
    await store.nextUnlabelled();
    await showing(ids[2]!);
    // Once every photo has a label, 'n' stays and says so.
    await studio.api.rejectUnlabelled({ imageIds: ids });
    await store.nextUnlabelled();
    expect(store.imageId).toBe(ids[2]);
    expect(store.message).toBe('Every photo has labels');
  });

  it('moves through the photos of a filter in its order, and opens on the first photo without labels', async () => {
    await project(6);
    const ids = images.map((image) => image.id);
    await studio.api.setLabels({
      changes: [
        { imageId: ids[1]!, classId: idOf('dog'), state: 'positive' },
        { imageId: ids[4]!, classId: idOf('dog'), state: 'positive' },
        { imageId: ids[0]!, classId: idOf('dog'), state: 'negative' },
      ],
    });
    open();
    expect(await store.openFirst({ sort: 'name' })).toBe(true);
    await showing(ids[2]!);

    await store.open(ids[4]!, { filter: { classId: idOf('dog'), state: 'positive' } });
    await vi.waitFor(() => expect(store.ids).toEqual([ids[1], ids[4]]), patience);
    expect(store.index).toBe(1);
    store.previous();
    await showing(ids[1]!);
    expect(store.hasPrevious).toBe(false);
  });

  it('flips a pre-label to negative with one key; Enter confirms the photo as shown and moves on', async () => {
    await project(3, { prelabel: true });
    open();
    const image = images.find((candidate) => candidate.predictions.some((p) => p.probability >= 0.5))!;
    const next = images[images.indexOf(image) + 1]!;
    await store.open(image.id);
    await showing(image.id);
    const preLabelled = store.rows.filter((row) => row.preLabel).map((row) => row.item);
    expect(preLabelled.length).toBeGreaterThan(0);
    const [wrong, ...right] = preLabelled;

    // The model says so, the person says no: one press.
    await store.toggleClass(wrong!.id);
    expect(await labelsInDb(image.id)).toEqual([`${wrong!.name}:negative:human`]);

    await store.confirm();
    await showing(next.id);
    const expected = classes.map((item) => {
      if (item.id === wrong!.id) return `${item.name}:negative:human`;
      if (right.includes(item)) return `${item.name}:positive:accepted`;
      return `${item.name}:negative:human`;
    });
    expect(await labelsInDb(image.id)).toEqual(expected.sort());
    expect(store.message).toBe(
      `Confirmed ${image.name}: ${right.map((item) => item.name).join(', ') || 'no class'}`,
    );
    expect(store.commits).toBe(2);

    // One undo takes the whole confirmation back.
    await store.undo();
    expect(await labelsInDb(image.id)).toEqual([`${wrong!.name}:negative:human`]);
  });

  it('advances after accept when asked to, and remembers the choice in its storage', async () => {
    await project(3, { prelabel: true });
    const saved = new Map<string, string>();
    const storage = {
      getItem: (key: string) => saved.get(key) ?? null,
      setItem: (key: string, value: string) => void saved.set(key, value),
    };
    open({ storage });
    expect(store.autoAdvance).toBe(false);
    store.setAutoAdvance(true);
    expect(saved.get(autoAdvanceKey)).toBe('true');
    store.dispose();
    open({ storage });
    expect(store.autoAdvance).toBe(true);

    await store.open(images[0]!.id);
    await showing(images[0]!.id);
    await store.accept();
    await showing(images[1]!.id);
    expect((await studio.api.getImage({ imageId: images[0]!.id })).labels.length).toBeGreaterThan(0);
    // Reject does not advance.
    await store.rejectRest();
    expect(store.imageId).toBe(images[1]!.id);
  });

  it('follows label changes made by another window, and closes when the project does', async () => {
    await project(2);
    open();
    const photo = images[0]!.id;
    await store.open(photo);
    await showing(photo);

    const other = createClient(studio.transport);
    await other.setLabels({ changes: [{ imageId: photo, classId: idOf('bird'), state: 'positive' }] });
    await vi.waitFor(() => expect(store.stateOf(idOf('bird'))).toBe('positive'), patience);
    // Someone else's change is no answer to this window's keys.
    expect(store.commits).toBe(0);

    await other.updateClass({ classId: idOf('bird'), name: 'songbird' });
    await vi.waitFor(
      () => expect(store.rows.find((row) => row.item.id === idOf('bird'))?.item.name).toBe('songbird'),
      patience,
    );

    await other.closeProject({});
    await vi.waitFor(() => expect(store.isOpen).toBe(false), patience);
    expect(store.imageId).toBeNull();
    expect(store.classes).toEqual([]);
  });

  it('says why ↓/↑ show no class map on a photo not pre-labelled', async () => {
    await project(2);
    open();
    await store.open(images[0]!.id);
    await showing(images[0]!.id);
    expect(store.maps).toEqual([]);

    store.cycleMap(1);
    expect(store.message).toBe('No class maps for this photo yet: pre-label it to see where each class is');
    expect(store.selectedMap).toBeNull();
  });

  it('chooses the overlay class, keeps it from photo to photo, and toggles overlay, all classes and help', async () => {
    await project(4, { prelabel: true });
    open();
    await store.open(images[0]!.id);
    await showing(images[0]!.id);
    const withMaps = [];
    for (const image of images) {
      const answer = await studio.api.getClassMaps({ imageId: image.id });
      withMaps.push(answer.maps.map((map) => map.classId));
    }
    const first = withMaps[0]!;

    store.cycleMap(1);
    expect(store.selectedMap?.classId).toBe(first[1 % first.length]);
    store.cycleMap(-1);
    expect(store.selectedMap?.classId).toBe(first[0]);
    store.switchMark = null;
    store.selectClass(first.at(-1)!);
    expect(store.switchMark).toMatchObject({ kind: 'class' });
    expect(store.selectedMap?.classId).toBe(first.at(-1));

    // A photo with the chosen class's map shows it; one without shows its strongest class's.
    for (const [index, image] of images.entries()) {
      store.goTo(image.id);
      await showing(image.id);
      const expected = withMaps[index]!.includes(first.at(-1)!) ? first.at(-1) : withMaps[index]![0];
      expect(store.selectedMap?.classId).toBe(expected);
    }

    expect(store.overlay).toBe(true);
    store.toggleOverlay();
    expect(store.overlay).toBe(false);
    store.toggleAllClasses();
    expect(store.allClasses).toBe(true);
    store.toggleOverlay();
    expect([store.overlay, store.allClasses]).toEqual([true, false]);
    store.toggleHelp();
    expect(store.helpOpen).toBe(true);
    store.escape();
    expect([store.helpOpen, store.isOpen]).toEqual([false, true]);
    store.escape();
    expect(store.isOpen).toBe(false);
  });
});
