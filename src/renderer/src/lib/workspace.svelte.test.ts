// The workspace store against a real studio: real VOC photos, the twenty VOC classes, pre-labels
// and class maps from the default model pack. Here the store as a whole: opening on a photo with
// everything the components show of it, and following what other windows and the studio change.
// Each part's own specs are beside it in workspace/.
import { describe, expect, it, vi } from 'vitest';
import { createClient } from '$shared/rpc';
import { peakOf } from './workspace.svelte';
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
  vocClasses,
} from '../../../../test/fixtures/workspace-studio';

eachWorkspaceStudio();

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
});
