// The project store against a real studio: real SQLite project files in a temp folder.
import { describe, expect, it, vi } from 'vitest';
import { createClient } from '$shared/rpc';
import { eachTestStudio, makePhotoFolder, type TestStudio } from '../../../../test/fixtures/renderer-studio';
import { ProjectStore } from './project.svelte';

let studio: TestStudio;
let store: ProjectStore;

eachTestStudio((created) => {
  studio = created;
  store = new ProjectStore(studio.api);
  return () => store.dispose();
});

describe('the project store', () => {
  it('starts with no project open', async () => {
    await store.load();
    expect(store.loaded).toBe(true);
    expect(store.current).toBeNull();
    expect(store.error).toBeNull();
  });

  it('creates a project file and shows its name and empty counts', async () => {
    expect(await store.create(studio.projectPath)).toBe(true);
    expect(store.current).toMatchObject({
      path: studio.projectPath,
      name: 'project',
      imageCount: 0,
      classCount: 0,
    });
    expect(store.busy).toBe(false);
    expect(store.error).toBeNull();
  });

  it('closes the project and opens it again from its path', async () => {
    await store.create(studio.projectPath);
    await store.close();
    expect(store.current).toBeNull();

    expect(await store.open(`  ${studio.projectPath}  `)).toBe(true);
    expect(store.current?.path).toBe(studio.projectPath);
  });

  it('explains why a project cannot be opened, and keeps no project open', async () => {
    const missing = `${studio.dir}/missing.sqlite`;
    expect(await store.open(missing)).toBe(false);
    expect(store.error).toBe(`no project at ${missing}`);
    expect(store.current).toBeNull();
  });

  it('refuses to create a project over an existing file', async () => {
    await store.create(studio.projectPath);
    await store.close();
    expect(await store.create(studio.projectPath)).toBe(false);
    expect(store.error).toBe(`${studio.projectPath} already exists`);
  });

  it('saves the project as a new file and goes on in it; a taken path is refused with the reason', async () => {
    await store.create(studio.projectPath);
    const saved = `${studio.dir}/saved.sqlite`;
    expect(await store.saveAs(saved)).toBe(true);
    expect(store.current).toMatchObject({ path: saved, name: 'saved', missingFolders: [] });
    expect(await store.saveAs(studio.projectPath)).toBe(false);
    expect(store.error).toBe(`${studio.projectPath} already exists; a project is never copied over anything`);
    expect(store.current?.path).toBe(saved);
  });

  it('asks for a path instead of sending an empty one', async () => {
    expect(await store.open('   ')).toBe(false);
    expect(store.error).toMatch(/^Enter the path of a project file/);
    expect(await studio.api.getProject({})).toBeNull();
  });

  it('clears the last error on the next request', async () => {
    await store.open(`${studio.dir}/missing.sqlite`);
    expect(await store.create(studio.projectPath)).toBe(true);
    expect(store.error).toBeNull();
  });

  it('follows a project opened or closed by another client of the same studio', async () => {
    const other = createClient(studio.transport);
    await other.createProject({ path: studio.projectPath });
    expect(store.current?.path).toBe(studio.projectPath);
    await other.closeProject({});
    expect(store.current).toBeNull();
  });

  it('refreshes the photo and class counts when an import finishes', async () => {
    const photos = await makePhotoFolder(studio.dir, { count: 6, withLabels: true });
    await store.create(studio.projectPath);
    await studio.api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });

    const classes = new Set(Object.values(photos.labels).flat());
    await vi.waitFor(() => expect(store.current).toMatchObject({ imageCount: 6, classCount: classes.size }), {
      timeout: 30_000,
    });
  });

  it('follows the class count as classes are added, archived and merged, by any client', async () => {
    await store.create(studio.projectPath);
    const other = createClient(studio.transport);
    const added = await other.addClasses({ names: ['dog', 'cat', 'car'] });
    await vi.waitFor(() => expect(store.current?.classCount).toBe(3), { timeout: 30_000 });
    await other.updateClass({ classId: added[0]!.id, archived: true });
    await vi.waitFor(() => expect(store.current?.classCount).toBe(2), { timeout: 30_000 });
    await other.mergeClasses({ from: added[1]!.id, into: added[2]!.id });
    await vi.waitFor(() => expect(store.current?.classCount).toBe(1), { timeout: 30_000 });
  });
});
