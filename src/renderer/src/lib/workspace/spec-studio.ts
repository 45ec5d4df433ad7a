// The workspace specs' studio: a real studio, real VOC photos, the twenty VOC classes, pre-labels
// and class maps from the default model pack, and every label command checked in the database.
// Shared by the specs of the workspace's parts (workspace/*.test.ts, workspace.svelte.test.ts),
// which drive each part through the WorkspaceStore the components use.
//
// A spec file calls `eachWorkspaceStudio(fixtures)` once, with test/fixtures/renderer-studio: only
// specs may import the fixtures (lint/layers.js), so they hand them in. `studio`, `store`,
// `classes`, `images` and `vocClasses` are live bindings that it and each test's `project()` and
// `open()` set.
import { beforeAll, expect, vi } from 'vitest';
import type { ClassInfo, ImageSummary, JobInfo, Label } from '$shared/contract';
import type { Api, Transport } from '$shared/rpc';
import { WorkspaceStore } from '../workspace.svelte';

/** What the specs use of a test studio (renderer-studio's TestStudio). */
export interface SpecStudio {
  api: Api;
  transport: Transport;
  dir: string;
  projectPath: string;
}

/** What the specs use of test/fixtures/renderer-studio. */
export interface StudioFixtures {
  eachTestStudio(setup: (studio: SpecStudio) => (() => unknown) | void): void;
  jobEnd(api: Api, jobId: number): Promise<JobInfo>;
  makePhotoFolder(dir: string, options: { count: number }): Promise<{ folder: string }>;
  vocClasses(): Promise<string[]>;
}

export const patience = { timeout: 60_000, interval: 10 };
/** The twenty VOC class names, in the order of the shared data set's classes.txt. */
export let vocClasses: string[];
export let studio: SpecStudio;
export let store: WorkspaceStore;
export let classes: ClassInfo[];
/** Photos in the workspace's order (by name). */
export let images: ImageSummary[];

let fixtures: StudioFixtures;

/** A fresh studio for each test of the spec file; the store the test opened is disposed after it. */
export function eachWorkspaceStudio(given: StudioFixtures): void {
  fixtures = given;
  beforeAll(async () => {
    vocClasses = await fixtures.vocClasses();
  });
  fixtures.eachTestStudio((created) => {
    studio = created;
    return () => store?.dispose();
  });
}

/** A project with the VOC classes and `count` real photos, pre-labelled when asked. */
export async function project(count: number, { prelabel = false } = {}): Promise<void> {
  const { api } = studio;
  await api.createProject({ path: studio.projectPath });
  for (const name of vocClasses) await api.createClass({ name });
  classes = await api.listClasses({});
  const photos = await fixtures.makePhotoFolder(studio.dir, { count });
  const job = await api.startImport({ folder: photos.folder });
  expect((await fixtures.jobEnd(api, job.id)).status).toBe('done');
  if (prelabel) {
    const run = await api.startPrelabel({ provider: 'cpu' });
    expect((await fixtures.jobEnd(api, run.id)).status).toBe('done');
  }
  images = (await api.listImages({})).images;
}

export function open(options: ConstructorParameters<typeof WorkspaceStore>[1] = {}): WorkspaceStore {
  store = new WorkspaceStore(studio.api, { storage: null, ...options });
  return store;
}

export const idOf = (name: string) => classes.find((item) => item.name === name)!.id;

export function describeLabels(labels: Label[]): string[] {
  const nameOf = (id: number) => classes.find((item) => item.id === id)!.name;
  return labels.map((label) => `${nameOf(label.classId)}:${label.state}:${label.source}`).sort();
}

export async function labelsInDb(imageId: number): Promise<string[]> {
  return describeLabels((await studio.api.getImage({ imageId })).labels);
}

/** Waits until the store shows the photo with its summary and maps read. */
export async function showing(imageId: number): Promise<void> {
  await vi.waitFor(() => {
    expect(store.imageId).toBe(imageId);
    expect(store.image?.id).toBe(imageId);
    expect(store.mapsFor).toBe(imageId);
  }, patience);
}
