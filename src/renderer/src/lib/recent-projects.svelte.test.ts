// The recent projects store against a real studio keeping its settings file in a temp folder.
import { describe, expect, it } from 'vitest';
import { eachTestStudio, type TestStudio } from '../../../../test/fixtures/renderer-studio';
import { RecentProjectsStore } from './recent-projects.svelte';

let studio: TestStudio;
let store: RecentProjectsStore;

eachTestStudio((created) => {
  studio = created;
  store = new RecentProjectsStore(studio.api);
  return () => store.dispose();
});

describe('the recent projects', () => {
  it('follow the projects opened by any client, newest first', async () => {
    expect(await store.load()).toBe(true);
    expect(store.items).toEqual([]);
    await studio.api.createProject({ path: `${studio.dir}/a.sqlite` });
    await expect.poll(() => store.items.map((item) => item.name)).toEqual(['a']);
    await studio.api.createProject({ path: `${studio.dir}/b.sqlite` });
    await expect.poll(() => store.items.map((item) => item.name)).toEqual(['b', 'a']);
  });

  it('drop a project when asked, leaving its file', async () => {
    await studio.api.createProject({ path: studio.projectPath });
    await studio.api.closeProject({});
    await expect.poll(() => store.items.length).toBe(1);
    expect(store.items[0]).toMatchObject({ path: studio.projectPath, missing: false });
    expect(await store.forget(studio.projectPath)).toBe(true);
    expect(store.items).toEqual([]);
    expect((await studio.api.openProject({ path: studio.projectPath })).path).toBe(studio.projectPath);
  });
});
