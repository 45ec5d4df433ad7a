// The workspace's moves through its photos against a real studio (test/fixtures/workspace-studio.ts), through the
// WorkspaceStore the keys drive: the order it was opened with, previous and next, any photo, the
// next photo without labels; and nextAfter, the wrap-around search, on its own.
import { describe, expect, it, vi } from 'vitest';
import { nextAfter } from './navigation.svelte';
import {
  eachWorkspaceStudio,
  idOf,
  images,
  open,
  patience,
  project,
  showing,
  store,
  studio,
} from '../../../../../test/fixtures/workspace-studio';

eachWorkspaceStudio();

describe("the workspace store's navigation", () => {
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
});

describe('nextAfter', () => {
  const ids = [10, 11, 12, 13, 14];

  it('finds the first wanted photo after the current one, wrapping around, never the current one', () => {
    expect(nextAfter(ids, 1, new Set([10, 13]))).toBe(13);
    expect(nextAfter(ids, 3, new Set([10, 13]))).toBe(10);
    expect(nextAfter(ids, 3, new Set([13]))).toBeUndefined();
    expect(nextAfter(ids, 4, new Set([14, 12]))).toBe(12);
  });

  it('starts from the first photo when none is current', () => {
    expect(nextAfter(ids, -1, new Set([10, 12]))).toBe(10);
    expect(nextAfter(ids, -1, new Set())).toBeUndefined();
    expect(nextAfter([], -1, new Set([10]))).toBeUndefined();
  });
});
