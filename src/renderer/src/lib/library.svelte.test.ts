// The library store against a real studio: real VOC photos and their labels from labels.csv.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createTestStudio,
  makePhotoFolder,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
import type { ClassInfo, ImageSummary } from '../../../shared/contract';
import { LibraryStore } from './library.svelte';

const patience = { timeout: 60_000, interval: 20 };

let studio: TestStudio;
let library: LibraryStore;

beforeEach(async () => {
  studio = await createTestStudio();
  library = new LibraryStore(studio.api, { pageSize: 10 });
});

afterEach(async () => {
  library.dispose();
  await studio.close();
});

/** Imports a labelled folder of `count` real photos and waits for the library to show them. */
async function importPhotos(count: number) {
  const photos = await makePhotoFolder(studio.dir, { count, withLabels: true });
  await studio.api.startImport({ folder: photos.folder, labelsCsv: photos.labelsCsv! });
  await vi.waitFor(() => expect(library.total).toBe(count), patience);
  return photos;
}

describe('the library store', () => {
  it('loads an empty library when a project is created', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await vi.waitFor(() => expect(library.loaded).toBe(true), patience);
    expect(library.images).toEqual([]);
    expect(library.total).toBe(0);
    expect(library.classes).toEqual([]);
    expect(library.hasMore).toBe(false);
  });

  it('reloads by itself when an import finishes, starting with the first page', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(24);

    await vi.waitFor(() => expect(library.loading).toBe(false), patience);
    expect(library.images.map((image) => image.name)).toEqual(photos.photos.slice(0, 10));
    expect(library.hasMore).toBe(true);
  });

  it('pages through every photo in path order, without repeats, then stops', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(24);

    await library.loadMore();
    expect(library.images).toHaveLength(20);
    await library.loadMore();
    expect(library.images).toHaveLength(24);
    expect(library.hasMore).toBe(false);
    await library.loadMore();
    expect(library.images.map((image) => image.name)).toEqual(photos.photos);
    expect(new Set(library.images.map((image) => image.id)).size).toBe(24);
  });

  it('shares one request between calls made while a page loads', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(24);

    await Promise.all([library.loadMore(), library.loadMore(), library.loadMore()]);
    expect(library.images).toHaveLength(20);
  });

  it("names each photo's positive classes, with the class colours, as labels.csv gave them", async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(12);
    await library.loadMore();

    const vocClasses = new Set(Object.values(photos.labels).flat());
    expect(library.classes.map((item) => item.name).sort()).toEqual([...vocClasses].sort());
    for (const item of library.classes) expect(item.color).toMatch(/^#[0-9a-f]{6}$/i);
    for (const image of library.images) {
      const shown = library.positiveClasses(image).map((item) => item.name);
      expect(shown.sort()).toEqual([...photos.labels[image.name]!].sort());
      // labels.csv labels a photo completely: every other class is a negative, and is not shown.
      expect(image.labels.filter((label) => label.state === 'negative')).toHaveLength(
        vocClasses.size - shown.length,
      );
    }
  });

  it('shows pre-labels for the classes nobody labelled that the model gives their threshold or more', () => {
    const classes: ClassInfo[] = ['dog', 'cat', 'car', 'bus', 'boat', 'cow'].map((name, index) => ({
      id: index + 1,
      name,
      color: '#3cb44b',
      hotkey: null,
      position: index,
      threshold: name === 'cow' ? 0.95 : 0.5,
      archived: false,
    }));
    library.classes = classes;
    const image: ImageSummary = {
      id: 1,
      path: '/photos/a.jpg',
      name: 'a.jpg',
      width: 500,
      height: 375,
      split: 'none',
      labels: [
        { classId: 2, state: 'positive', source: 'human' },
        { classId: 3, state: 'negative', source: 'imported' },
      ],
      predictions: [
        { classId: 5, probability: 0.93 },
        { classId: 1, probability: 0.5 },
        { classId: 6, probability: 0.94 },
        { classId: 2, probability: 0.99 },
        { classId: 3, probability: 0.8 },
        { classId: 4, probability: 0.49 },
        { classId: 99, probability: 0.9 },
      ],
    };

    // In class order; not cat (labelled positive: a solid chip), car (labelled negative), bus (0.49),
    // cow (below the 0.95 a person chose for it), nor a class the project does not have.
    expect(library.preLabels(image).map(({ item, probability }) => [item.name, probability])).toEqual([
      ['dog', 0.5],
      ['boat', 0.93],
    ]);
    expect(library.positiveClasses(image).map((item) => item.name)).toEqual(['cat']);
    expect(library.preLabels({ ...image, predictions: [] })).toEqual([]);
  });

  it('reloads as pre-labeling runs, so pre-labels appear on photos nobody labelled', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await makePhotoFolder(studio.dir, { count: 8, withLabels: true, labelled: 4 });
    await studio.api.startImport({ folder: photos.folder, labelsCsv: photos.labelsCsv! });
    await vi.waitFor(() => expect(library.total).toBe(8), patience);
    expect(library.images.every((image) => image.predictions.length === 0)).toBe(true);

    await studio.api.startPrelabel({ provider: 'cpu' });
    await vi.waitFor(() => {
      expect(library.images).toHaveLength(8);
      expect(library.images.every((image) => image.predictions.length === library.classes.length)).toBe(true);
    }, patience);
    for (const image of library.images) {
      const listed = photos.photos.indexOf(image.name) < 4;
      const expected = listed
        ? []
        : library.classes.filter(
            (item) => image.predictions.find((p) => p.classId === item.id)!.probability >= item.threshold,
          );
      // labels.csv labels its photos for every class it names: only the unlisted ones get pre-labels.
      expect(
        library.preLabels(image).map(({ item }) => item.name),
        image.name,
      ).toEqual(expected.map((item) => item.name));
    }
  });

  it('reloads when labels or class thresholds change: a label replaces its pre-label', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await makePhotoFolder(studio.dir, { count: 8, withLabels: true, labelled: 4 });
    await studio.api.startImport({ folder: photos.folder, labelsCsv: photos.labelsCsv! });
    await vi.waitFor(() => expect(library.total).toBe(8), patience);
    await studio.api.startPrelabel({ provider: 'cpu' });
    await vi.waitFor(
      () => expect(library.images.every((image) => image.predictions.length > 0)).toBe(true),
      patience,
    );

    // An unlabelled photo and a class the model is least sure of: thresholds just above and below
    // its probability stay between 0 and 1.
    const [image, best] = library.images
      .slice(4)
      .flatMap((candidate) => candidate.predictions.map((p) => [candidate, p] as const))
      .sort((a, b) => Math.abs(a[1].probability - 0.5) - Math.abs(b[1].probability - 0.5))[0]!;
    const item = library.classes.find((candidate) => candidate.id === best.classId)!;
    const preLabelled = () =>
      library
        .preLabels(library.images.find((candidate) => candidate.id === image.id)!)
        .map((p) => p.item.name);
    const labelled = () =>
      library
        .positiveClasses(library.images.find((candidate) => candidate.id === image.id)!)
        .map((c) => c.name);

    const above = Math.min(0.999, best.probability + 0.0005);
    const below = Math.max(0.001, best.probability - 0.0005);
    await studio.api.updateClass({ classId: item.id, threshold: above });
    await vi.waitFor(() => expect(preLabelled()).not.toContain(item.name), patience);
    await studio.api.updateClass({ classId: item.id, threshold: below });
    await vi.waitFor(() => expect(preLabelled()).toContain(item.name), patience);

    await studio.api.setLabels({ changes: [{ imageId: image.id, classId: item.id, state: 'positive' }] });
    await vi.waitFor(() => expect(labelled()).toEqual([item.name]), patience);
    expect(preLabelled()).not.toContain(item.name);
  });

  it('forgets the photos when the project closes, and loads the next project', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(3);

    await studio.api.closeProject({});
    expect(library.images).toEqual([]);
    expect(library.total).toBe(0);
    expect(library.loaded).toBe(false);

    await studio.api.openProject({ path: studio.projectPath });
    await vi.waitFor(() => expect(library.images).toHaveLength(3), patience);
  });

  it('reports why the library cannot be read', async () => {
    await library.reload();
    expect(library.error).toBe('no project is open; create or open one first');
    expect(library.loading).toBe(false);
  });
});
