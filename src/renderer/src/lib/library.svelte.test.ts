// The library store against a real studio: real VOC photos, their labels from labels.csv and the
// default model's pre-labels. Pages are read on demand and cached; filters and sorts are the API's.
import { describe, expect, it, vi } from 'vitest';
import {
  eachTestStudio,
  jobEnd,
  makePhotoFolder,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
import type { ClassInfo, ImageSummary, OpInput } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { noFilter } from './filter';
import { LibraryStore } from './library.svelte';

const patience = { timeout: 60_000, interval: 20 };

let studio: TestStudio;
let library: LibraryStore;
/** Every listImages request the store made, in order. */
let pageRequests: OpInput<'listImages'>[];

/** The studio's client, counting the pages the store asks for. */
function countingApi(api: Api): Api {
  return {
    ...api,
    listImages: (input) => {
      pageRequests.push(input);
      return api.listImages(input);
    },
  };
}

eachTestStudio((created) => {
  studio = created;
  pageRequests = [];
  library = new LibraryStore(countingApi(studio.api), { pageSize: 10 });
  return () => library.dispose();
});

/** Imports a labelled folder of `count` real photos and waits for the library to show them. */
async function importPhotos(count: number, labelled = count) {
  const photos = await makePhotoFolder(studio.dir, { count, withLabels: true, labelled });
  await studio.api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });
  await vi.waitFor(() => expect(library.total).toBe(count), patience);
  await vi.waitFor(() => expect(library.loading).toBe(false), patience);
  return photos;
}

/** Imports photos (labels.csv for the first `labelled`) and pre-labels them all on the CPU. */
async function importAndPrelabel(count: number, labelled: number) {
  const photos = await importPhotos(count, labelled);
  const run = await studio.api.startPrelabel({ provider: 'cpu' });
  expect((await jobEnd(studio.api, run.id)).status).toBe('done');
  const [{ images }, classes] = await Promise.all([
    studio.api.listImages({ limit: 500 }),
    studio.api.listClasses({}),
  ]);
  return { photos, images, classes };
}

const names = (images: readonly (ImageSummary | undefined)[]) => images.map((image) => image?.name);

/** Classes named in order, ids from 1, each at 0.5 unless `thresholds` sets its own by hand. */
function classesAt(names: string[], thresholds: Record<string, number> = {}): ClassInfo[] {
  return names.map((name, index) => ({
    id: index + 1,
    name,
    color: '#3cb44b',
    hotkey: null,
    position: index,
    threshold: thresholds[name] ?? 0.5,
    manualThreshold: thresholds[name] ?? 0.5,
    tunedThreshold: null,
    thresholdSource: 'manual' as const,
    archived: false,
  }));
}

/** A photo with the labels and predictions given. */
function photo(parts: Pick<ImageSummary, 'labels' | 'predictions'>): ImageSummary {
  return {
    id: 1,
    path: '/photos/a.jpg',
    name: 'a.jpg',
    width: 500,
    height: 375,
    split: 'none',
    changedOnDisk: false,
    ...parts,
  };
}

/** The loaded photos from index `start` to `end` (exclusive). */
function shown(start: number, end: number) {
  return Array.from({ length: end - start }, (_, i) => library.imageAt(start + i));
}

/** Every photo the store shows under its filter and order, read page by page as the grid would. */
async function everyPhoto(): Promise<ImageSummary[]> {
  await library.ensure(0, library.total);
  return shown(0, library.total).map((image) => image!);
}

describe('the library store', () => {
  it('loads an empty library when a project is created', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await vi.waitFor(() => expect(library.loaded).toBe(true), patience);
    expect(library.images).toEqual([]);
    expect(library.total).toBe(0);
    expect(library.classes).toEqual([]);
    expect(library.imageAt(0)).toBeUndefined();
  });

  it('reloads by itself when an import finishes, with the first page only', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(24);

    expect(names(shown(0, 10))).toEqual(photos.photos.slice(0, 10));
    expect(library.imageAt(10)).toBeUndefined();
    expect(library.images).toHaveLength(10);
  });

  it('reads the pages a range needs once each, caches them, and shares requests in flight', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(24);
    pageRequests = [];

    // Photos 8 to 21 lie on pages 0 (cached), 1 and 2: two requests, made once however often asked.
    await Promise.all([library.ensure(8, 22), library.ensure(8, 22), library.ensure(12, 20)]);
    expect(pageRequests.map((request) => request.offset).sort()).toEqual([10, 20]);
    expect(pageRequests.every((request) => request.limit === 10)).toBe(true);
    expect(names(shown(0, 24))).toEqual(photos.photos);
    expect(library.images.map((image) => image.name)).toEqual(photos.photos);

    await library.ensure(0, 24);
    expect(pageRequests).toHaveLength(2);
    // Past the end: nothing to ask for.
    await library.ensure(24, 40);
    expect(pageRequests).toHaveLength(2);

    expect(library.indexOf(library.imageAt(17)!.id)).toBe(17);
    expect(library.indexOf(999_999)).toBe(-1);
  });

  it('fetches the photo at any index, reading just its page', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(24);
    pageRequests = [];

    expect((await library.fetchImageAt(21))?.name).toBe(photos.photos[21]);
    expect(pageRequests.map((request) => request.offset)).toEqual([20]);
    expect(library.imageAt(15)).toBeUndefined();
    expect(await library.fetchImageAt(24)).toBeUndefined();
    expect(await library.fetchImageAt(-1)).toBeUndefined();
  });

  it('keeps what it shows while a reload is in flight, then reads the pages in view again', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(24);
    await library.ensure(0, 24);
    // The grid now looks at photos 12 to 17 (page 1).
    await library.ensure(12, 18);
    pageRequests = [];

    const reload = library.reload();
    expect(library.imageAt(0)?.name).toBe(photos.photos[0]);
    expect(library.imageAt(23)?.name).toBe(photos.photos[23]);
    await reload;
    // Page 1 read again; the pages out of view were dropped, to be read when they come into view.
    expect(pageRequests.map((request) => request.offset)).toEqual([10]);
    expect(names(shown(10, 20))).toEqual(photos.photos.slice(10, 20));
    expect(library.imageAt(0)).toBeUndefined();
    expect(library.total).toBe(24);
  });

  it("names each photo's positive classes, with the class colors, as labels.csv gave them", async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(12);
    await library.ensure(0, 12);

    const vocClasses = new Set(Object.values(photos.labels).flat());
    expect(library.classes.map((item) => item.name).sort()).toEqual([...vocClasses].sort());
    for (const item of library.classes) expect(item.color).toMatch(/^#[0-9a-f]{6}$/i);
    for (const image of library.images) {
      const positive = library.positiveClasses(image).map((item) => item.name);
      expect(positive.sort()).toEqual([...photos.labels[image.name]!].sort());
      // labels.csv labels a photo completely: every other class is a negative, and is not shown.
      expect(image.labels.filter((label) => label.state === 'negative')).toHaveLength(
        vocClasses.size - positive.length,
      );
    }
  });

  it('shows pre-labels for the classes nobody labelled that the model gives their threshold or more', () => {
    library.classes = classesAt(['dog', 'cat', 'car', 'bus', 'boat', 'cow'], { cow: 0.95 });
    const image = photo({
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
    });

    // In class order; not cat (labelled positive: a solid chip), car (labelled negative), bus (0.49),
    // cow (below the 0.95 a person chose for it), nor a class the project does not have.
    expect(library.preLabels(image).map(({ item, probability }) => [item.name, probability])).toEqual([
      ['dog', 0.5],
      ['boat', 0.93],
    ]);
    expect(library.positiveClasses(image).map((item) => item.name)).toEqual(['cat']);
    expect(library.preLabels({ ...image, predictions: [] })).toEqual([]);
  });

  it('marks the labels the model contradicts, and scores each photo on the class the view is about', () => {
    const classes = classesAt(['dog', 'cat', 'car', 'bus', 'boat'], { car: 0.9 });
    library.classes = classes;
    const image = photo({
      labels: [
        { classId: 1, state: 'positive', source: 'human' },
        { classId: 2, state: 'positive', source: 'imported' },
        { classId: 3, state: 'negative', source: 'human' },
        { classId: 4, state: 'negative', source: 'human' },
      ],
      predictions: [
        { classId: 1, probability: 0.97 },
        { classId: 2, probability: 0.2 },
        // Below car's own threshold (0.9): the negative agrees with the model.
        { classId: 3, probability: 0.8 },
        { classId: 4, probability: 0.7 },
        { classId: 5, probability: 0.45 },
      ],
    });
    expect(
      library.disputedLabels(image).map(({ item, state, probability }) => [item.name, state, probability]),
    ).toEqual([
      ['cat', 'positive', 0.2],
      ['bus', 'negative', 0.7],
    ]);
    expect(library.disputedLabels({ ...image, predictions: [] })).toEqual([]);

    // Name order, no class: the tile shows no score.
    expect(library.scoreInView(image)).toBeNull();
    // Sorted by uncertainty or confidence: the least certain class, the one the order ranks it by.
    library.sort = 'uncertainty';
    expect(library.scoreInView(image)).toEqual({ item: classes[4], probability: 0.45 });
    library.sort = 'confidence';
    expect(library.scoreInView(image)?.item.name).toBe('boat');
    // A class filtered on comes first.
    library.filter = { ...noFilter, classId: 3 };
    expect(library.scoreInView(image)).toEqual({ item: classes[2], probability: 0.8 });
    expect(library.scoreInView({ ...image, predictions: [] })).toBeNull();
  });

  it('filters by class state, probability range, unlabelled and disagreement, as the API does', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const { photos, images, classes } = await importAndPrelabel(12, 6);
    const byName = new Map(classes.map((item) => [item.name, item]));
    const person = byName.get('person')!;
    const labelled = new Set(photos.photos.slice(0, 6));
    const probability = (image: ImageSummary, classId: number) =>
      image.predictions.find((p) => p.classId === classId)?.probability;
    const expectShown = async (expected: ImageSummary[]) => {
      expect(library.total).toBe(expected.length);
      expect((await everyPhoto()).map((image) => image.name)).toEqual(expected.map((image) => image.name));
    };

    await library.setFilter({ ...noFilter, classId: person.id, state: 'positive' });
    await expectShown(
      images.filter((image) => photos.labels[image.name]!.includes('person') && labelled.has(image.name)),
    );
    expect(library.total).toBeGreaterThan(0);

    await library.setFilter({ ...noFilter, classId: person.id, state: 'negative' });
    await expectShown(
      images.filter((image) => !photos.labels[image.name]!.includes('person') && labelled.has(image.name)),
    );

    await library.setFilter({ ...noFilter, classId: person.id, state: 'unknown' });
    await expectShown(images.filter((image) => !labelled.has(image.name)));

    await library.setFilter({ ...noFilter, unlabelled: true });
    await expectShown(images.filter((image) => !labelled.has(image.name)));

    // The photos the model gives person at least 0.5, and those it gives at most 0.5.
    await library.setFilter({ ...noFilter, classId: person.id, minProbability: 0.5 });
    const likely = images.filter((image) => probability(image, person.id)! >= 0.5);
    await expectShown(likely);
    await library.setFilter({ ...noFilter, classId: person.id, maxProbability: 0.5 });
    await expectShown(images.filter((image) => probability(image, person.id)! <= 0.5));
    expect(likely.length).toBeGreaterThan(0);
    expect(likely.length).toBeLessThan(images.length);

    // Both at once: unknown for person, and likely to hold one.
    await library.setFilter({ ...noFilter, classId: person.id, state: 'unknown', minProbability: 0.5 });
    await expectShown(likely.filter((image) => !labelled.has(image.name)));

    // A label that contradicts the model at its class's threshold.
    const threshold = new Map(classes.map((item) => [item.id, item.threshold]));
    const disagrees = (image: ImageSummary) =>
      image.labels.some((label) => {
        const p = probability(image, label.classId);
        if (p === undefined) return false;
        return label.state === 'positive'
          ? p < threshold.get(label.classId)!
          : p >= threshold.get(label.classId)!;
      });
    await library.setFilter({ ...noFilter, disagreement: true });
    await expectShown(images.filter(disagrees));

    await library.setFilter(noFilter);
    await expectShown(images);
  });

  it('sorts by name, by date and by uncertainty (a coin toss first)', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const { images } = await importAndPrelabel(12, 6);

    const uncertainty = (image: ImageSummary) =>
      1 - Math.min(...image.predictions.map((p) => Math.abs(2 * p.probability - 1)));
    await library.setSort('uncertainty');
    const byUncertainty = await everyPhoto();
    expect(byUncertainty.map((image) => image.name)).toEqual(
      [...images].sort((a, b) => uncertainty(b) - uncertainty(a)).map((image) => image.name),
    );
    expect(byUncertainty.map((image) => image.name)).not.toEqual(images.map((image) => image.name));

    await library.setSort('date');
    const byDate = (await studio.api.listImages({ sort: 'date', limit: 500 })).images;
    expect(names(await everyPhoto())).toEqual(names(byDate));
    expect(names(byDate).sort()).toEqual(names(images));

    await library.setSort('name');
    expect((await everyPhoto()).map((image) => image.name)).toEqual(images.map((image) => image.name));
  });

  it('starts from the top on a new filter, and tells its listeners', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(24);
    await library.ensure(0, 24);
    library.scrollTop = 900;
    const told = vi.fn();
    library.onQueryChange(told);

    const change = library.setSort('date');
    expect(told).toHaveBeenCalledTimes(1);
    expect(library.scrollTop).toBe(0);
    expect(library.imageAt(15)).toBeUndefined();
    await change;
    expect(library.imageAt(0)).toBeDefined();
    expect(library.sort).toBe('date');
  });

  it('reads a filtered view again when labels change, so photos join or leave it', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(12);
    const classes = await studio.api.listClasses({});
    const car = classes.find((item) => item.name === 'car')!;
    await library.setFilter({ ...noFilter, classId: car.id, state: 'positive' });
    const before = library.total;
    const other = (await studio.api.listImages({ limit: 50 })).images.find(
      (image) => !photos.labels[image.name]!.includes('car'),
    )!;

    await studio.api.setLabels({ changes: [{ imageId: other.id, classId: car.id, state: 'positive' }] });
    await vi.waitFor(() => expect(library.total).toBe(before + 1), patience);
    await vi.waitFor(() => expect(library.images.map((image) => image.id)).toContain(other.id), patience);

    await studio.api.undo({});
    await vi.waitFor(() => expect(library.total).toBe(before), patience);
  });

  it('drops the conditions of a class archived away, and shows the photos without them', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(12);
    const car = (await studio.api.listClasses({})).find((item) => item.name === 'car')!;
    await library.setFilter({ ...noFilter, classId: car.id, state: 'positive', minProbability: 0.2 });
    expect(library.total).toBeLessThan(12);
    const told = vi.fn();
    library.onQueryChange(told);

    await studio.api.updateClass({ classId: car.id, archived: true });
    await vi.waitFor(() => expect(library.filter).toEqual(noFilter), patience);
    await vi.waitFor(() => expect(library.total).toBe(12), patience);
    expect(library.classes.map((item) => item.id)).not.toContain(car.id);
    expect(told).toHaveBeenCalledTimes(1);
  });

  it('while hidden, reads nothing as labels change, and catches up once when shown again', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(12);
    const car = (await studio.api.listClasses({})).find((item) => item.name === 'car')!;
    await library.setFilter({ ...noFilter, classId: car.id, state: 'positive' });
    const before = library.total;
    const others = (await studio.api.listImages({ limit: 50 })).images.filter(
      (image) => !photos.labels[image.name]!.includes('car'),
    );
    pageRequests.length = 0;

    library.setHidden(true);
    for (const other of others.slice(0, 3)) {
      await studio.api.setLabels({ changes: [{ imageId: other.id, classId: car.id, state: 'positive' }] });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pageRequests).toEqual([]);
    expect(library.total).toBe(before);

    library.setHidden(false);
    await vi.waitFor(() => expect(library.total).toBe(before + 3), patience);
    expect(pageRequests).toHaveLength(1);
  });

  it('reloads as pre-labeling runs, so pre-labels appear on photos nobody labelled', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    const photos = await importPhotos(8, 4);
    await library.ensure(0, 8);
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
    await importAndPrelabel(8, 4);
    await library.ensure(0, 8);
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
    const current = () => library.images.find((candidate) => candidate.id === image.id)!;
    const preLabelled = () => library.preLabels(current()).map((p) => p.item.name);
    const labelled = () => library.positiveClasses(current()).map((c) => c.name);

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

  it('forgets the photos, filter and position when the project closes, and loads the next project', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await importPhotos(3);
    await library.setFilter({ ...noFilter, unlabelled: true });
    library.scrollTop = 300;

    await studio.api.closeProject({});
    expect(library.images).toEqual([]);
    expect(library.total).toBe(0);
    expect(library.loaded).toBe(false);
    expect(library.filter).toEqual(noFilter);
    expect(library.scrollTop).toBe(0);

    await studio.api.openProject({ path: studio.projectPath });
    await vi.waitFor(() => expect(library.images).toHaveLength(3), patience);
  });

  it('reports why the library cannot be read', async () => {
    await library.reload();
    expect(library.error).toBe('no project is open; create or open one first');
    expect(library.loading).toBe(false);
  });
});
