// The folder browser's store against a real studio whose home folder is a temp folder.
import { describe, expect, it } from 'vitest';
import type { NativeDialogs } from '$shared/dialogs';
import { eachTestStudio, makePhotoFolder, type TestStudio } from '../../../../test/fixtures/renderer-studio';
import { childPath, FolderBrowserStore, parentOf } from './folder-browser.svelte';

let studio: TestStudio;
let store: FolderBrowserStore;

eachTestStudio((created) => {
  studio = created;
  store = new FolderBrowserStore(studio.api);
});

describe('the folder browser', () => {
  it('opens at home, goes into a folder and chooses it', async () => {
    const { folder } = await makePhotoFolder(studio.dir, { count: 3, withLabels: true });
    const chosen = store.choose('folder');
    await expect.poll(() => store.listing?.path).toBe(studio.dir);
    expect(store.kind).toBe('folder');
    expect(store.listing?.folders).toEqual([{ name: 'photos', path: folder, images: 3 }]);
    expect(await store.go(folder)).toBe(true);
    expect(store.listing?.images).toBe(3);
    store.pick(store.listing!.path);
    expect(await chosen).toBe(folder);
    expect(store.kind).toBeNull();
  });

  it('opens at the folder of the path a field holds, or at home when that folder is gone', async () => {
    const { folder, labelsFile } = await makePhotoFolder(studio.dir, { count: 1, withLabels: true });
    void store.choose('labels', labelsFile!);
    await expect.poll(() => store.listing?.path).toBe(parentOf(labelsFile!));
    store.cancel();
    void store.choose('folder', `${folder}/gone`);
    await expect.poll(() => store.listing?.path).toBe(studio.dir);
    expect(store.error).toBeNull();
  });

  it('keeps the folder shown and says why when another cannot be opened; a cancel chooses nothing', async () => {
    const chosen = store.choose('project');
    await expect.poll(() => store.listing?.path).toBe(studio.dir);
    expect(await store.go('missing')).toBe(false);
    expect(store.error).toBe(`cannot open folder ${studio.dir}/missing: it does not exist`);
    expect(store.listing?.path).toBe(studio.dir);
    store.cancel();
    expect(await chosen).toBeNull();
  });

  it('names a new project in the folder shown', async () => {
    void store.choose('new-project');
    await expect.poll(() => store.listing?.path).toBe(studio.dir);
    expect(store.newProjectPath(' birds ')).toBe(`${studio.dir}/birds.sqlite`);
    expect(store.newProjectPath('birds.SQLITE')).toBe(`${studio.dir}/birds.SQLITE`);
    expect(store.newProjectPath('  ')).toBeNull();
  });

  it('names the copy of the open project (Save as…) in the folder shown, as it names a new one', async () => {
    void store.choose('project-copy', `${studio.dir}/p.sqlite`);
    await expect.poll(() => store.listing?.path).toBe(studio.dir);
    expect(store.kind).toBe('project-copy');
    expect(store.newProjectPath('copy')).toBe(`${studio.dir}/copy.sqlite`);
  });

  it('leaves the choice to the desktop app’s native dialogs when it has them', async () => {
    const asked: string[] = [];
    const native: NativeDialogs = {
      openPath: async (kind) => (asked.push(kind), `/picked/${kind}`),
      newProjectPath: async (purpose) => (asked.push(`new:${purpose}`), null),
    };
    const desktop = new FolderBrowserStore(studio.api, native);
    expect(await desktop.choose('labels')).toBe('/picked/labels');
    expect(await desktop.choose('new-project')).toBeNull();
    expect(await desktop.choose('project-copy')).toBeNull();
    expect(asked).toEqual(['labels', 'new:create', 'new:save-as']);
    expect(desktop.kind).toBeNull();
  });
});

describe('server paths', () => {
  it('are split and joined with the server’s separator', () => {
    expect(parentOf('/home/ana/p.sqlite')).toBe('/home/ana');
    expect(parentOf('/p.sqlite')).toBe('/');
    expect(parentOf('p.sqlite')).toBe('');
    expect(parentOf('C:\\Users\\ana\\p.sqlite')).toBe('C:\\Users\\ana');
    expect(parentOf('C:\\p.sqlite')).toBe('C:\\');
    expect(childPath('/', 'p.sqlite')).toBe('/p.sqlite');
    expect(childPath('/home/ana', 'p.sqlite')).toBe('/home/ana/p.sqlite');
    expect(childPath('C:\\Users', 'p.sqlite')).toBe('C:\\Users\\p.sqlite');
  });
});
