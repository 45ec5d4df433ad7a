// The grid's selection against a real studio and real VOC photos: click, Ctrl+click, Shift+click,
// select all in a filter, the first N of the grid's order (the most confident) with what confirming
// them would set, and adding or removing a class over the selection as one undoable action.
import { describe, expect, it, vi } from 'vitest';
import {
  eachTestStudio,
  jobEnd,
  makePhotoFolder,
  type PhotoFolder,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
import type { ClassInfo, ImageSummary } from '$shared/contract';
import { noFilter } from './filter';
import { LibraryStore } from './library.svelte';
import { SelectionStore } from './selection.svelte';

const patience = { timeout: 60_000, interval: 20 };

let studio: TestStudio;
let library: LibraryStore;
let selection: SelectionStore;
let photos: PhotoFolder;
/** The photos in the grid's order (by name). */
let images: ImageSummary[];
let classes: ClassInfo[];

eachTestStudio(async (created) => {
  studio = created;
  library = new LibraryStore(studio.api, { pageSize: 10 });
  selection = new SelectionStore(studio.api, library);
  await studio.api.createProject({ path: studio.projectPath });
  // 24 photos, labels.csv for the first 16: the last 8 have no label at all.
  photos = await makePhotoFolder(studio.dir, { count: 24, withLabels: true, labelled: 16 });
  await studio.api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });
  await vi.waitFor(() => expect(library.total).toBe(24), patience);
  await vi.waitFor(() => expect(library.loading).toBe(false), patience);
  images = (await studio.api.listImages({ limit: 100 })).images;
  classes = await studio.api.listClasses({});
  return () => {
    selection.dispose();
    library.dispose();
  };
});

const ids = (from: number, to: number) => images.slice(from, to + 1).map((image) => image.id);
const selected = () => [...selection.ids].sort((a, b) => a - b);
const sorted = (list: number[]) => [...list].sort((a, b) => a - b);

/** Clicks photo `index` of the grid. */
const click = (index: number, modifiers = {}) => selection.click(index, images[index]!.id, modifiers);

/** Each photo's state for `classId`: 'positive', 'negative' or null (unknown), by id. */
async function statesOf(classId: number): Promise<Map<number, string | null>> {
  const { images: now } = await studio.api.listImages({ limit: 100 });
  return new Map(
    now.map((image) => [image.id, image.labels.find((label) => label.classId === classId)?.state ?? null]),
  );
}

describe('the selection', () => {
  it('picks one photo on a click, adds and removes with Ctrl, and takes runs with Shift', async () => {
    await library.ensure(0, 24);

    await click(3);
    expect(selected()).toEqual(ids(3, 3));
    await click(5);
    expect(selected()).toEqual(ids(5, 5));
    await click(7, { toggle: true });
    expect(selected()).toEqual(sorted([...ids(5, 5), ...ids(7, 7)]));
    await click(5, { toggle: true });
    expect(selected()).toEqual(ids(7, 7));
    expect(selection.count).toBe(1);

    // The run from the last photo clicked without Shift (5), either way, replacing what was picked.
    expect(selection.anchor).toBe(5);
    await click(12, { range: true });
    expect(selected()).toEqual(sorted(ids(5, 12)));
    await click(2, { range: true });
    expect(selected()).toEqual(sorted(ids(2, 5)));
    // Ctrl+Shift adds the run to what is picked.
    await click(20, { toggle: true });
    await click(22, { range: true, toggle: true });
    expect(selected()).toEqual(sorted([...ids(2, 5), ...ids(20, 22)]));
    expect(selection.has(images[21]!.id)).toBe(true);
    expect(selection.has(images[10]!.id)).toBe(false);

    selection.clear();
    expect(selection.count).toBe(0);
    expect(selection.anchor).toBeNull();
  });

  it('takes a Shift+click run across pages that are not loaded', async () => {
    // Only the first page is loaded (as after opening the grid); photo 22 is two pages away.
    expect(library.imageAt(15)).toBeUndefined();
    await click(2);
    await selection.click(22, images[22]!.id, { range: true });
    expect(selected()).toEqual(sorted(ids(2, 22)));
  });

  it('follows the photo last viewed in the workspace, loaded or not, and lets go of one the filter hides', async () => {
    // Photo 3 was clicked, then the workspace moved on to 6: 6 is the selection and the anchor.
    await click(3);
    expect(await selection.follow(images[6]!.id)).toBe(6);
    expect(selected()).toEqual(ids(6, 6));
    expect(selection.anchor).toBe(6);
    // Opened from a selection and closed on one of its photos: the selection stays.
    await click(8, { toggle: true });
    expect(await selection.follow(images[8]!.id)).toBe(8);
    expect(selected()).toEqual(sorted([...ids(6, 6), ...ids(8, 8)]));
    // On a page the grid has not loaded (only the first is).
    expect(library.imageAt(21)).toBeUndefined();
    expect(await selection.follow(images[21]!.id)).toBe(21);
    expect(selected()).toEqual(ids(21, 21));
    // Labelled in the workspace, out of the "unlabelled" filter: nothing the person sees stays picked.
    await library.setFilter({ ...noFilter, unlabelled: true });
    await click(2);
    const viewed = images[2 + 16]!.id;
    await studio.api.setLabels({
      changes: [{ imageId: viewed, classId: classes[0]!.id, state: 'positive' }],
    });
    await vi.waitFor(() => expect(library.indexOf(viewed)).toBe(-1), patience);
    expect(await selection.follow(viewed)).toBe(-1);
    expect(selection.count).toBe(0);
  });

  it('selects every photo in the filter, in the filter’s terms, and clears on a new filter', async () => {
    await library.setFilter({ ...noFilter, unlabelled: true });
    await selection.selectAll();
    expect(selected()).toEqual(sorted(ids(16, 23)));

    const car = classes.find((item) => item.name === 'car')!;
    await library.setFilter({ ...noFilter, classId: car.id, state: 'positive' });
    expect(selection.count).toBe(0);
    await selection.selectAll();
    const withCar = images.filter((image, index) => index < 16 && photos.labels[image.name]!.includes('car'));
    expect(withCar.length).toBeGreaterThan(1);
    expect(selected()).toEqual(sorted(withCar.map((image) => image.id)));

    await library.setFilter(noFilter);
    await selection.selectAll();
    expect(selection.count).toBe(24);
  });

  it('adds a class to every selected photo as one action that one undo takes back', async () => {
    const cat = classes.find((item) => item.name === 'cat')!;
    const before = await statesOf(cat.id);
    await library.setFilter({ ...noFilter, unlabelled: true });
    await selection.selectAll();
    // Photo 16, the first in this filter, out of it again by Ctrl+click.
    await selection.click(0, images[16]!.id, { toggle: true });
    const chosen = [...selection.ids];
    expect(chosen).toHaveLength(7);

    expect(await selection.add(cat)).toBe(true);
    expect(selection.done).toBe('Added cat to 7 photos');
    let after = await statesOf(cat.id);
    for (const [id, state] of after)
      expect(state, String(id)).toBe(chosen.includes(id) ? 'positive' : before.get(id));
    // The filter (unlabelled) loses them: the grid reads it again.
    await vi.waitFor(() => expect(library.total).toBe(1), patience);

    const undone = await selection.undo();
    expect(undone?.imageIds.sort()).toEqual(sorted(chosen));
    expect(undone?.description).toBe('add "cat" to 7 photos');
    after = await statesOf(cat.id);
    expect(after).toEqual(before);
    expect(selection.done).toBeNull();
  });

  it('removes a class from every selected photo (unknown again), as one undoable action', async () => {
    const car = classes.find((item) => item.name === 'car')!;
    const before = await statesOf(car.id);
    await library.ensure(0, 24);
    await click(0);
    await click(15, { range: true });
    expect(selection.count).toBe(16);

    expect(await selection.remove(car)).toBe(true);
    expect(selection.done).toBe('Removed car from 16 photos');
    const after = await statesOf(car.id);
    for (const id of ids(0, 23)) expect(after.get(id)).toBeNull();

    await studio.api.undo({});
    expect(await statesOf(car.id)).toEqual(before);
  });

  it('confirms every selected photo as its tile shows it, as one undoable action', async () => {
    await library.setFilter({ ...noFilter, unlabelled: true });
    await selection.selectAll();
    const chosen = [...selection.ids];
    expect(chosen).toEqual(ids(16, 23));

    // Not pre-labelled: every class of these photos becomes negative.
    expect(await selection.confirm()).toBe(true);
    expect(selection.done).toBe(`Confirmed 8 photos (${8 * classes.length} labels set)`);
    const { images: now } = await studio.api.listImages({ limit: 100 });
    for (const image of now.filter((candidate) => chosen.includes(candidate.id))) {
      expect(image.labels.map((label) => label.state)).toEqual(classes.map(() => 'negative'));
    }
    await vi.waitFor(() => expect(library.total).toBe(0), patience);

    expect((await selection.undo())?.description).toBe('confirm 8 photos');
    await vi.waitFor(() => expect(library.total).toBe(8), patience);
  });

  it('selects the most confident unlabelled photos, says what confirming them sets, and confirms them as one undoable action', async () => {
    await jobEnd(studio.api, (await studio.api.startPrelabel({ provider: 'cpu' })).id);
    await library.setFilter({ ...noFilter, unlabelled: true });
    await library.setSort('confidence');
    const { images: shown } = await studio.api.listImages({ ...library.query, limit: 100 });
    expect(shown).toHaveLength(8);
    // Confidence: how sure the model is of the photo's least certain class.
    const confidence = (image: ImageSummary) =>
      Math.min(...image.predictions.map((p) => Math.abs(2 * p.probability - 1)));
    expect(shown.map(confidence)).toEqual(shown.map(confidence).sort((a, b) => b - a));

    await selection.selectFirst(5);
    const chosen = shown.slice(0, 5);
    expect(selected()).toEqual(sorted(chosen.map((image) => image.id)));
    // Unlabelled: every class is unknown; those at or above their threshold are the pre-labels.
    const accepted = chosen.flatMap((image) =>
      classes.filter((item) => {
        const p = image.predictions.find((prediction) => prediction.classId === item.id)?.probability;
        return p !== undefined && p >= item.threshold;
      }),
    ).length;
    expect(accepted).toBeGreaterThan(0);
    const labels = 5 * classes.length;
    await vi.waitFor(() => expect(selection.preview).not.toBeNull(), patience);
    expect(selection.preview).toEqual({
      photos: 5,
      labels,
      accepted,
      negatives: labels - accepted,
      unpredicted: 0,
    });

    expect(await selection.confirm()).toBe(true);
    expect(selection.done).toBe(`Confirmed 5 photos (${labels} labels set)`);
    // Confirmed, they leave the filter; confirming them again would set nothing.
    await vi.waitFor(() => expect(library.total).toBe(3), patience);
    await vi.waitFor(() => expect(selection.preview?.labels).toBe(0), patience);

    expect((await selection.undo())?.description).toBe('confirm 5 photos');
    await vi.waitFor(() => expect(selection.preview?.labels).toBe(labels), patience);
    await vi.waitFor(() => expect(library.total).toBe(8), patience);
    // More than the filter holds: all of it.
    await selection.selectFirst(50);
    expect(selection.count).toBe(8);
  });

  it('moves the selection to a split, which the split filter then shows; no undo, moving back is the same', async () => {
    await library.ensure(0, 24);
    await click(0);
    await click(3, { range: true });
    expect(await selection.moveToSplit('val')).toBe(true);
    expect(selection.done).toBe('Moved 4 photos to val');
    expect(selection.undoable).toBe(false);
    const inVal = await studio.api.listImageIds({ filter: { split: 'val' }, sort: 'name' });
    expect(inVal.ids).toEqual(ids(0, 3));
    // The tiles show it once the grid reads them again.
    await vi.waitFor(() => expect(library.imageAt(2)?.split).toBe('val'), patience);
    expect(library.imageAt(4)?.split).toBe('none');

    await library.setFilter({ ...noFilter, split: 'val' });
    expect(library.total).toBe(4);
    await selection.selectAll();
    await click(1, { toggle: true });
    expect(await selection.moveToSplit('train')).toBe(true);
    expect(selection.done).toBe('Moved 3 photos to train');
    // Out of the filter: the grid reads it again.
    await vi.waitFor(() => expect(library.total).toBe(1), patience);
    expect(await selection.moveToSplit('train')).toBe(true);
    expect(selection.done).toBe('Moved 0 photos to train (3 already there)');
    expect(await selection.moveToSplit('none')).toBe(true);
    expect(selection.done).toBe('Moved 3 photos out of their splits');

    // A label action can be undone from the bar again.
    await library.setFilter(noFilter);
    await click(5);
    expect(await selection.add(classes[0]!)).toBe(true);
    expect(selection.undoable).toBe(true);
  });

  it('says why a bulk action failed', async () => {
    await click(0);
    const gone: ClassInfo = { ...classes[0]!, id: 999_999, name: 'ghost' };
    expect(await selection.add(gone)).toBe(false);
    expect(selection.error).toBeTruthy();
    expect(selection.busy).toBe(false);
    // A photo that is not in the project (any more): nothing moves, and the bar says why.
    await click(3, { toggle: true });
    await selection.click(4, 999_999, { toggle: true });
    expect(await selection.moveToSplit('test')).toBe(false);
    expect(selection.error).toMatch(/no photo 999999/);
    expect((await studio.api.listImageIds({ filter: { split: 'test' }, sort: 'name' })).ids).toEqual([]);
  });

  it('clears when the project closes', async () => {
    await click(1);
    await studio.api.closeProject({});
    expect(selection.count).toBe(0);
  });
});
