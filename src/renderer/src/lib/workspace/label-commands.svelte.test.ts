// The workspace's label commands against a real studio (test/fixtures/workspace-studio.ts), through the WorkspaceStore
// the keys drive: each key press one request, saved in the order pressed and checked in the
// database; accept, confirm, reject the rest, undo and redo, and auto-advance after accept.
import { describe, expect, it } from 'vitest';
import { autoAdvanceKey } from '../workspace.svelte';
import {
  eachWorkspaceStudio,
  classes,
  describeLabels,
  idOf,
  images,
  labelsInDb,
  open,
  project,
  showing,
  store,
  studio,
} from '../../../../../test/fixtures/workspace-studio';

eachWorkspaceStudio();

describe("the workspace store's label commands", () => {
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
});
