// The class panel's store against a real studio: every class operation goes through the API and is
// checked there, hotkeys are validated before they are sent, and refusals show as messages.
import { describe, expect, it, vi } from 'vitest';
import { eachTestStudio, makePhotoFolder, type TestStudio } from '../../../../test/fixtures/renderer-studio';
import { commandKeys } from '$shared/hotkeys';
import { createClient } from '$shared/rpc';
import { ClassStore, hotkeyProblem } from './classes.svelte';
import { LibraryStore } from './library.svelte';

const patience = { timeout: 60_000, interval: 20 };

let studio: TestStudio;
let classes: ClassStore;

eachTestStudio(async (created) => {
  studio = created;
  classes = new ClassStore(studio.api);
  await studio.api.createProject({ path: studio.projectPath });
  await vi.waitFor(() => expect(classes.loaded).toBe(true), patience);
  return () => classes.dispose();
});

const stored = async () => studio.api.listClasses({ includeArchived: true });
const named = (name: string) => classes.all.find((item) => item.name === name)!;

describe('the class store', () => {
  it('creates classes with a color and a key, or the palette’s color and the next free key', async () => {
    expect(await classes.create('heron', '#123456', 'h')).toBe(true);
    expect(await classes.create('egret')).toBe(true);

    const [heron, egret] = await stored();
    expect(heron).toMatchObject({ name: 'heron', color: '#123456', hotkey: 'h', archived: false });
    expect(egret!.name).toBe('egret');
    expect(egret!.color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(egret!.hotkey).toMatch(/^[0-9a-z]$/);
    expect(classes.active.map((item) => item.name)).toEqual(['heron', 'egret']);
    expect(classes.error).toBeNull();
  });

  it('adds classes by name in one go, keeping the ones already there', async () => {
    await classes.create('dog');
    expect(await classes.addMany(['person', 'dog', 'bicycle'])).toBe(true);
    expect(classes.active.map((item) => item.name)).toEqual(['dog', 'person', 'bicycle']);
    expect((await stored()).map((item) => item.name)).toEqual(['dog', 'person', 'bicycle']);
    expect(await classes.addMany([])).toBe(false);
    expect(classes.error).toBeNull();
  });

  it('refuses a key a command uses, a capital, two characters, or one another class has', async () => {
    await classes.create('heron', undefined, 'h');
    const heron = named('heron');
    expect(await classes.create('egret', undefined, commandKeys.accept)).toBe(false);
    expect(classes.error).toMatch(/cannot be a class key/);
    expect(await classes.setHotkey(heron.id, 'H')).toBe(false);
    expect(classes.error).toMatch(/cannot be a class key/);
    expect(await classes.setHotkey(heron.id, '12')).toBe(false);
    await classes.create('egret', undefined, 'e');
    expect(await classes.setHotkey(named('egret').id, 'h')).toBe(false);
    expect(classes.error).toBe('the key "h" already toggles "heron"');
    expect((await stored()).map((item) => item.hotkey)).toEqual(['h', 'e']);

    expect(hotkeyProblem('', 1, classes.all)).toBeNull();
    expect(hotkeyProblem('7', 1, classes.all)).toBeNull();
    expect(hotkeyProblem('h', heron.id, classes.all)).toBeNull();

    // A free key, and none.
    expect(await classes.setHotkey(heron.id, '7')).toBe(true);
    expect(await classes.setHotkey(named('egret').id, '')).toBe(true);
    expect((await stored()).map((item) => item.hotkey)).toEqual(['7', null]);
  });

  it('renames, recolors and sets thresholds; shows what the API refuses', async () => {
    await classes.create('heron');
    await classes.create('egret');
    const heron = named('heron');

    expect(await classes.rename(heron.id, 'grey heron')).toBe(true);
    expect(await classes.recolor(heron.id, '#abcdef')).toBe(true);
    expect(await classes.setThreshold(heron.id, 0.8)).toBe(true);
    expect((await stored())[0]).toMatchObject({ name: 'grey heron', color: '#abcdef', threshold: 0.8 });
    expect(named('grey heron').threshold).toBe(0.8);

    expect(await classes.rename(heron.id, 'egret')).toBe(false);
    expect(classes.error).toBe('a class named "egret" already exists');
    expect(await classes.rename(heron.id, 'a|b')).toBe(false);
    expect(classes.error).toMatch(/cannot contain "\|"/);
    expect(await classes.setThreshold(heron.id, 1)).toBe(false);
    expect(classes.error).toMatch(/between 0 and 1/);
    expect(await classes.recolor(heron.id, 'red')).toBe(false);
    expect(classes.error).toMatch(/color like #3cb44b/);
    expect((await stored())[0]).toMatchObject({ name: 'grey heron', color: '#abcdef', threshold: 0.8 });
  });

  it('moves classes up and down, and reorders them', async () => {
    for (const name of ['a', 'b', 'c', 'd']) await classes.create(name);
    const order = async () => (await stored()).map((item) => item.name);

    expect(await classes.move(named('c').id, -1)).toBe(true);
    expect(await order()).toEqual(['a', 'c', 'b', 'd']);
    expect(await classes.move(named('a').id, 1)).toBe(true);
    expect(await order()).toEqual(['c', 'a', 'b', 'd']);
    // Past either end: nothing to do.
    expect(await classes.move(named('c').id, -1)).toBe(false);
    expect(await classes.move(named('d').id, 1)).toBe(false);
    expect(await classes.reorder(['d', 'c', 'b', 'a'].map((name) => named(name).id))).toBe(true);
    expect(await order()).toEqual(['d', 'c', 'b', 'a']);
    expect(classes.active.map((item) => item.name)).toEqual(['d', 'c', 'b', 'a']);
  });

  it('merges one class into another: its labels move over, it is gone', async () => {
    const photos = await makePhotoFolder(studio.dir, { count: 12, withLabels: true });
    const library = new LibraryStore(studio.api);
    try {
      await studio.api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });
      await vi.waitFor(() => expect(classes.all.length).toBeGreaterThan(2), patience);
      const car = named('car');
      const chair = named('chair');
      const withEither = Object.entries(photos.labels)
        .filter(([, labels]) => labels.includes('car') || labels.includes('chair'))
        .map(([name]) => name)
        .sort();

      expect(await classes.merge(chair.id, car.id)).toBe(true);
      expect(classes.all.map((item) => item.name)).not.toContain('chair');
      expect((await stored()).map((item) => item.name)).not.toContain('chair');
      const { images } = await studio.api.listImages({ limit: 100 });
      const positiveCar = images
        .filter((image) => image.labels.some((l) => l.classId === car.id && l.state === 'positive'))
        .map((image) => image.name)
        .sort();
      expect(positiveCar).toEqual(withEither);
      expect(images.every((image) => image.labels.every((l) => l.classId !== chair.id))).toBe(true);
      // The grid's chips follow.
      await vi.waitFor(
        () => expect(library.classes.map((item) => item.name)).not.toContain('chair'),
        patience,
      );

      expect(await classes.merge(car.id, car.id)).toBe(false);
      expect(classes.error).toBe('a class cannot be merged into itself');
    } finally {
      library.dispose();
    }
  });

  it('archives a class (it leaves the grid’s classes and gives its key back) and brings it back', async () => {
    const library = new LibraryStore(studio.api);
    try {
      await classes.create('heron', undefined, 'h');
      await classes.create('egret');
      const heron = named('heron');
      expect(await classes.setArchived(heron.id, true)).toBe(true);
      expect(classes.active.map((item) => item.name)).toEqual(['egret']);
      expect(classes.archived.map((item) => item.name)).toEqual(['heron']);
      expect(named('heron').hotkey).toBeNull();
      await library.reload();
      expect(library.classes.map((item) => item.name)).toEqual(['egret']);

      expect(await classes.setArchived(heron.id, false)).toBe(true);
      expect(classes.archived).toEqual([]);
      expect(classes.active.map((item) => item.name).sort()).toEqual(['egret', 'heron']);
    } finally {
      library.dispose();
    }
  });

  it('follows changes another client makes, and forgets the classes when the project closes', async () => {
    const other = createClient(studio.transport);
    await other.createClass({ name: 'kingfisher' });
    await vi.waitFor(() => expect(classes.all.map((item) => item.name)).toEqual(['kingfisher']), patience);

    await studio.api.closeProject({});
    expect(classes.all).toEqual([]);
    expect(classes.loaded).toBe(false);
  });
});
