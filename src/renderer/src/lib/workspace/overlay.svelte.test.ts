// The workspace's class-map overlay against a real studio (test/fixtures/workspace-studio.ts), through the
// WorkspaceStore the keys drive: the chosen class, ↓/↑, overlay and all classes; and the peaks
// "all classes" marks, on their own.
import { describe, expect, it } from 'vitest';
import type { ClassMap } from '../attention-overlay';
import { classOf } from '../../../../../test/fixtures/class-info';
import { peakOf, peaksOf } from './overlay.svelte';
import {
  eachWorkspaceStudio,
  images,
  open,
  project,
  showing,
  store,
  studio,
} from '../../../../../test/fixtures/workspace-studio';

eachWorkspaceStudio();

describe("the workspace store's class-map overlay", () => {
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

describe('the peaks of a class map', () => {
  /** A 4×4 map whose strongest cell is at (column, row). */
  function mapOf(classId: number, probability: number, column: number, row: number): ClassMap {
    const values = new Uint8Array(16).fill(10);
    values[row * 4 + column] = 255;
    return { classId, probability, peak: 1, size: 4, values };
  }
  it('is the centre of the strongest cell, in fractions of the photo; the first of equal cells', () => {
    expect(peakOf(mapOf(1, 0.9, 0, 0))).toEqual({ x: 0.125, y: 0.125 });
    expect(peakOf(mapOf(1, 0.9, 3, 1))).toEqual({ x: 0.875, y: 0.375 });
    expect(peakOf({ ...mapOf(1, 0.9, 0, 0), values: new Uint8Array(16).fill(7) })).toEqual({
      x: 0.125,
      y: 0.125,
    });
  });

  it('marks the classes at or above their threshold only, in the maps’ order, named and colored', () => {
    const classes = [classOf(1, 0.5), classOf(2, 0.5), classOf(3, 0.9)];
    const maps = [mapOf(2, 0.8, 2, 2), mapOf(3, 0.8, 0, 0), mapOf(1, 0.5, 1, 3), mapOf(4, 0.99, 0, 0)];
    expect(peaksOf(maps, classes)).toEqual([
      { classId: 2, name: 'class 2', color: '#3cb44b', probability: 0.8, x: 0.625, y: 0.625 },
      { classId: 1, name: 'class 1', color: '#3cb44b', probability: 0.5, x: 0.375, y: 0.875 },
    ]);
    expect(peaksOf([], classes)).toEqual([]);
  });
});
