// Review mode against a real studio: real VOC photos, labels.csv for half of them, real pre-labels,
// and two labels a person set against the model. The store opens the workspace on a queue's items
// one at a time with the item's class map selected; keep, flip and skip, every decision a label a
// person sets (one undoable action), the counters and the queue following every label change.
import { describe, expect, it, vi } from 'vitest';
import type { ImageSummary, ReviewItem } from '$shared/contract';
import {
  eachTestStudio,
  jobEnd,
  makePhotoFolder,
  type TestStudio,
} from '../../../../test/fixtures/renderer-studio';
import { ReviewStore } from './review.svelte';
import { WorkspaceStore } from './workspace.svelte';

const patience = { timeout: 60_000, interval: 20 };

let studio: TestStudio;
let workspace: WorkspaceStore;
let review: ReviewStore;
/** The two labels set against the model: its surest class on two unlabelled photos, negative. */
let planted: { imageId: number; classId: number }[];

eachTestStudio(async (created) => {
  studio = created;
  const { api } = studio;
  await api.createProject({ path: studio.projectPath });
  const photos = await makePhotoFolder(studio.dir, { count: 12, withLabels: true, labelled: 6 });
  await jobEnd(api, (await api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! })).id);
  await jobEnd(api, (await api.startPrelabel({ provider: 'cpu' })).id);
  const unlabelled = (await api.listImages({ filter: { unlabelled: true } })).images;
  const surest = (image: ImageSummary) =>
    image.predictions.reduce((best, p) => (p.probability > best.probability ? p : best));
  planted = unlabelled
    .filter((image) => surest(image).probability >= 0.9)
    .slice(0, 2)
    .map((image) => ({ imageId: image.id, classId: surest(image).classId }));
  expect(planted).toHaveLength(2);
  await api.setLabels({ changes: planted.map((pair) => ({ ...pair, state: 'negative' as const })) });
  workspace = new WorkspaceStore(api, { storage: null });
  review = new ReviewStore(api, workspace);
  return () => {
    review.dispose();
    workspace.dispose();
  };
});

/** The label of a (photo, class) pair in the database, as `state:source`, or null. */
async function labelOf(pair: { imageId: number; classId: number | null }): Promise<string | null> {
  const image = await studio.api.getImage({ imageId: pair.imageId });
  const label = image.labels.find((candidate) => candidate.classId === pair.classId);
  return label ? `${label.state}:${label.source}` : null;
}

/** Waits until the workspace shows the item's photo, with the item's class map selected. */
async function showing(item: ReviewItem): Promise<void> {
  await vi.waitFor(() => {
    expect(workspace.imageId).toBe(item.imageId);
    expect(workspace.mapsFor).toBe(item.imageId);
    expect(workspace.chosenClassId).toBe(item.classId);
    expect(workspace.selectedMap?.classId).toBe(item.classId);
  }, patience);
}

const key = (item: { imageId: number; classId: number | null } | null) =>
  item && `${item.imageId}:${item.classId}`;

describe('review mode', () => {
  it('counts the queues, and counts again as labels change', async () => {
    await review.loadCounts();
    const counts = await studio.api.reviewCounts({});
    expect(review.counts).toEqual(counts);
    expect(counts.disputed).toBeGreaterThanOrEqual(2);

    // The model's surest class set right again: no longer disputed.
    await studio.api.setLabels({ changes: [{ ...planted[0]!, state: 'positive' }] });
    await vi.waitFor(() => expect(review.counts?.disputed).toBe(counts.disputed - 1), patience);
  });

  it('walks the disputed queue one item at a time: flip, keep and skip, each label a person’s, undoable', async () => {
    expect(await review.start('disputed')).toBe(true);
    const queue = await studio.api.listReviewQueue({ queue: 'disputed' });
    expect(review.total).toBe(queue.total);
    expect(review.items).toEqual(queue.items);
    expect(workspace.isOpen).toBe(true);
    const [first, second] = queue.items;
    expect(review.current).toEqual(first);
    await showing(first!);
    expect(review.proposed).toBe(first!.given);

    // Flip: the opposite of the label given, set by a person; the next item shows.
    const flipped = first!.given === 'positive' ? 'negative' : 'positive';
    await review.flip();
    expect(await labelOf(first!)).toBe(`${flipped}:human`);
    await vi.waitFor(() => expect(key(review.current)).toBe(key(second!)), patience);
    await showing(second!);
    // Agreeing with the model now, it leaves the queue.
    await vi.waitFor(() => expect(review.total).toBe(queue.total - 1), patience);
    expect(review.items.map(key)).not.toContain(key(first!));

    // Undo, as Ctrl+Z in the workspace (which shows the photo it changed): the label comes back,
    // and so does the item, on show again.
    await workspace.undo();
    review.follow();
    expect(await labelOf(first!)).toBe(`${first!.given}:${first!.source}`);
    await vi.waitFor(() => expect(review.total).toBe(queue.total), patience);
    await vi.waitFor(() => expect(key(review.current)).toBe(key(first!)), patience);
    await showing(first!);

    // Keep: the label given, now a person's; the next item shows, and the kept one leaves the
    // queue: a person decided it with this version's probability in view.
    await review.keep();
    expect(await labelOf(first!)).toBe(`${first!.given}:human`);
    await vi.waitFor(() => expect(key(review.current)).toBe(key(second!)), patience);
    await showing(second!);
    await vi.waitFor(() => expect(review.total).toBe(queue.total - 1), patience);
    expect(review.items.map(key)).not.toContain(key(first!));

    // Skip: the label stays as it is.
    const skipped = review.current!;
    const before = await labelOf(skipped);
    review.skip();
    expect(key(review.current)).not.toBe(key(skipped));
    review.previous();
    expect(key(review.current)).toBe(key(skipped));
    expect(await labelOf(skipped)).toBe(before);
  });

  it('keeps or flips the model’s side on an uncertain item, and leaves the queue as it is decided', async () => {
    expect(await review.start('uncertain')).toBe(true);
    const item = review.current!;
    expect(item.given).toBeNull();
    await showing(item);
    const side = item.probability >= item.threshold ? 'positive' : 'negative';
    expect(review.proposed).toBe(side);
    const total = review.total;

    await review.keep();
    expect(await labelOf(item)).toBe(`${side}:human`);
    await vi.waitFor(() => expect(review.total).toBe(total - 1), patience);
    expect(review.items.map(key)).not.toContain(key(item));
    await showing(review.current!);
  });

  it('shows the next queue’s photos in the workspace’s own order, and stops when asked', async () => {
    const next = await studio.api.listReviewQueue({ queue: 'next', limit: 500 });
    expect(next.total).toBeGreaterThan(0);
    expect(await review.start('next')).toBe(true);
    expect(review.byClass).toBe(false);
    expect(workspace.ids).toEqual(next.items.map((item) => item.imageId));
    expect(workspace.imageId).toBe(next.items[0]!.imageId);

    review.stop();
    expect(review.queue).toBeNull();
    expect(review.current).toBeNull();
  });

  it('forgets the project it counted for: no count and no error of it once the project closes', async () => {
    await review.loadCounts();
    expect(review.counts).not.toBeNull();
    // A count asked just before the project closes answers after: neither it nor its error shows.
    const late = review.loadCounts();
    await studio.api.closeProject({});
    await late;
    await vi.waitFor(() => expect(review.counts).toBeNull(), patience);
    // A count asked with no project open (a job of the closed project ending, say) shows nothing.
    await review.loadCounts();
    expect(review.error).toBeNull();
    expect(review.counts).toBeNull();
  });

  it('says so when a queue is empty', async () => {
    // Every photo confirmed: nothing unknown is left, and no photo without labels.
    const { ids } = await studio.api.listImageIds({});
    await studio.api.confirmPhotos({ imageIds: ids });
    expect(await review.start('uncertain')).toBe(false);
    expect(review.error).toBe('The uncertain queue is empty');
    expect(workspace.isOpen).toBe(false);
  });
});
