// The library store against a real studio: real VOC photos and their labels from labels.csv.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createTestStudio,
  makePhotoFolder,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
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
