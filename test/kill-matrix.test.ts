// The kill matrix: each kind of work on a project is killed (SIGKILL, as a crash or a power cut)
// at several points of its progress, then the project is reopened and the work resumed. It must
// end as a run that was never interrupted: the file intact, no photo, label or prediction lost or
// there twice, no version half made, every interrupted job done. A new kind of job joins with a row.
import Database from 'better-sqlite3';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../src/main/api';
import { versionsFolder } from '../src/main/paths';
import { createClient, type Api } from '$shared/rpc';
import { crashDuring, importAndWait, jobEnd } from './fixtures/direct-api';
import type { CrashWork, KillPoint, LabelCall, Stopped } from './fixtures/renderer-studio';
import { copyVocPhotos, makePhotoFolder } from './fixtures/workspace';
import { labelCall, startJob } from './fixtures/work';

interface Row {
  kind: string;
  /** Makes the project, in `dir`, that every run of the row starts from a copy of, and its work. */
  prepare(api: Api, dir: string): Promise<CrashWork>;
  points: KillPoint[];
}

const everyPoint = (phase: string) => [0.01, 0.5, 0.75].map((fraction) => ({ phase, fraction }));

const matrix: Row[] = [
  {
    kind: 'import',
    // With a duplicate and files that are no photos: what the report lists must come out the same.
    async prepare(_, dir) {
      const { folder, labelsFile } = await makePhotoFolder(dir, {
        count: 160,
        withLabels: true,
        withBadFiles: true,
        withDuplicate: true,
      });
      return { kind: 'import', input: { folder, labelsFile: labelsFile! } };
    },
    points: everyPoint('importing'),
  },
  {
    kind: 'prelabel',
    async prepare(api, dir) {
      await importWithClasses(api, dir, 20);
      return { kind: 'prelabel', input: { provider: 'cpu' } };
    },
    points: everyPoint('predicting'),
  },
  {
    kind: 'labels',
    // A burst of keys on pre-labelled photos: a label set and another cleared on each, and every
    // second photo confirmed with the one before it.
    async prepare(api, dir) {
      await importWithClasses(api, dir, 8);
      await jobEnd(api, (await api.startPrelabel({ provider: 'cpu' })).id);
      const classes = await api.listClasses({});
      const { images } = await api.listImages({});
      const calls = images.flatMap(({ id }, i): LabelCall[] => [
        {
          op: 'setLabels',
          input: {
            changes: [
              { imageId: id, classId: classes[i % classes.length]!.id, state: 'positive' },
              { imageId: id, classId: classes[(i + 3) % classes.length]!.id, state: 'negative' },
            ],
          },
        },
        ...(i % 2 === 1
          ? [{ op: 'confirmPhotos' as const, input: { imageIds: [images[i - 1]!.id, id] } }]
          : []),
      ]);
      return { kind: 'labels', input: calls };
    },
    points: [0.01, 0.5, 1].map((fraction) => ({ phase: 'labels', fraction })),
  },
  {
    kind: 'train',
    async prepare(api, dir) {
      const folder = join(dir, 'photos');
      const { labelsFile } = await copyVocPhotos(folder, 30);
      await importAndWait(api, folder, labelsFile);
      await api.assignSplits({ val: 0.2, seed: 1 });
      return { kind: 'train', input: { activate: 'never' } };
    },
    points: [
      { phase: 'features', fraction: 0.01 },
      { phase: 'training', fraction: 0.01 },
    ],
  },
  {
    kind: 'switch',
    // To a second version of the default pack, on photos the first has pre-labelled and labels.
    async prepare(api, dir) {
      await importWithClasses(api, dir, 20);
      await jobEnd(api, (await api.startPrelabel({ provider: 'cpu' })).id);
      const [person, dog] = await api.listClasses({});
      const { images } = await api.listImages({});
      await api.setLabels({
        changes: images.flatMap(({ id }, i) => [
          { imageId: id, classId: person!.id, state: i % 3 ? 'positive' : 'negative' },
          { imageId: id, classId: dog!.id, state: i % 4 ? 'negative' : 'positive' },
        ]),
      });
      const db = new Database(join(dir, 'base.sqlite'));
      const { lastInsertRowid } = db
        .prepare(
          `INSERT INTO models (name, pack, classes, active, created_at)
           SELECT 'again', pack, classes, 0, created_at FROM models WHERE active = 1`,
        )
        .run();
      db.close();
      return { kind: 'switch', input: { modelId: Number(lastInsertRowid) } };
    },
    points: [
      { phase: 'predicting', fraction: 0.5 },
      { phase: 'indexing', fraction: 0.01 },
      { phase: 'indexing', fraction: 0.5 },
      { phase: 'tidying up', fraction: 0 },
    ],
  },
];

/** `count` VOC photos imported without labels, and classes for the pre-labels to fill. */
async function importWithClasses(api: Api, dir: string, count: number): Promise<void> {
  const folder = join(dir, 'photos');
  await copyVocPhotos(folder, count);
  await importAndWait(api, folder);
  for (const name of ['person', 'dog', 'cat', 'chair', 'car', 'horse', 'sofa', 'diningtable'])
    await api.createClass({ name });
}

let dir: string;
let studio: Studio;
let api: Api;
const tried: { kind: string; point: string; doneAtKill: string; outcome: string }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csra-kill-matrix-'));
  studio = createStudio();
  api = createClient(studio);
});

afterAll(async () => {
  await studio.close();
  await rm(dir, { recursive: true, force: true });
  const widths = [8, 16, 12];
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  console.log(
    ['kill matrix:', line(['kind', 'kill point', 'done at kill', 'outcome'])]
      .concat(tried.map((row) => line([row.kind, row.point, row.doneAtKill, row.outcome])))
      .join('\n'),
  );
});

/** Each row's starting project and work, made once, and the outcome of its uninterrupted run. */
const prepared = new Map<Row, Promise<{ base: string; work: CrashWork; reference: Outcome }>>();
function prepare(row: Row) {
  if (!prepared.has(row))
    prepared.set(
      row,
      (async () => {
        const base = join(dir, row.kind, 'base.sqlite');
        await mkdir(join(dir, row.kind), { recursive: true });
        await api.createProject({ path: base });
        await api.listModels({}); // the default pack's row, as every project gets it
        const work = await row.prepare(api, join(dir, row.kind));
        await api.closeProject({});
        const copy = await copyProject(base, 'uninterrupted');
        await api.openProject({ path: copy });
        if (work.kind === 'labels') for (const call of work.input) await labelCall(api, call);
        else expect(await jobEnd(api, (await startJob(api, work)).id)).toMatchObject({ status: 'done' });
        const reference = await outcome(copy);
        await api.closeProject({});
        return { base, work, reference };
      })(),
    );
  return prepared.get(row)!;
}

/** A copy of a closed project (its write-ahead log folded in on close) in a folder of its own. */
async function copyProject(base: string, name: string): Promise<string> {
  expect(existsSync(`${base}-wal`)).toBe(false);
  const folder = join(base, '..', name);
  await mkdir(folder);
  await copyFile(base, join(folder, 'project.sqlite'));
  return join(folder, 'project.sqlite');
}

type Outcome = Awaited<ReturnType<typeof outcome>>;

/** What a run leaves in the project, as the same run must leave it with or without a kill. */
async function outcome(projectPath: string) {
  const versions = await api.listModels({});
  const db = new Database(projectPath, { readonly: true });
  try {
    const rows = (sql: string) => db.prepare(sql).all();
    const ofPhoto = 'JOIN images i ON i.id = t.image_id';
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      images: rows('SELECT path, sha256, bytes, width, height FROM images ORDER BY path'),
      labels: rows(
        `SELECT i.path, c.name, t.state, t.source FROM labels t ${ofPhoto} JOIN classes c ON c.id = t.class_id
          ORDER BY i.path, c.name`,
      ),
      labelEvents: rows(
        `SELECT i.path, c.name, t.old_state, t.new_state, t.source FROM label_events t ${ofPhoto}
          JOIN classes c ON c.id = t.class_id ORDER BY t.id`,
      ),
      jobs: rows('SELECT id, kind, status, error, done, total FROM jobs ORDER BY id'),
      jobItems: rows('SELECT job_id, item, outcome, detail FROM job_items ORDER BY job_id, item'),
      leases: rows('SELECT kind FROM job_leases'),
      // The probability index and the review tallies beside it, as the triggers and jobs keep them.
      index: rows(
        'SELECT model_id, class_id, count(*) AS rows FROM class_scores GROUP BY model_id, class_id',
      ),
      tallies: rows('SELECT * FROM review_tallies ORDER BY class_id, model_id'),
      // A version's files are complete when they load (their manifest's hashes match).
      versions: versions.map(({ id, name, active, trained, problem }) => ({
        id,
        name,
        active,
        trained: trained !== null,
        problem,
      })),
      versionFolders: (await readdir(versionsFolder(projectPath)).catch(() => [])).sort(),
      classMaps: rows(
        `SELECT i.path, t.model_id FROM prediction_maps t ${ofPhoto} ORDER BY i.path, t.model_id`,
      ),
      predictions: (
        rows(
          `SELECT i.path, t.model_id AS model, t.scores FROM predictions t ${ofPhoto}
            ORDER BY i.path, t.model_id`,
        ) as { path: string; model: number; scores: Buffer }[]
      ).map(({ path, model, scores }) => ({
        path,
        model,
        scores: new Float32Array(scores.buffer, scores.byteOffset, scores.length / 4),
      })),
    };
  } finally {
    db.close();
  }
}

/** Equal, scores within float tolerance: inference on the CPU gives the same to the last few bits. */
function expectSameOutcome(actual: Outcome, expected: Outcome): void {
  const { predictions, ...rest } = actual;
  const { predictions: expectedPredictions, ...expectedRest } = expected;
  expect(rest).toEqual(expectedRest);
  expect(predictions.map(({ path, model }) => [path, model])).toEqual(
    expectedPredictions.map(({ path, model }) => [path, model]),
  );
  const worst = Math.max(
    0,
    ...predictions.flatMap(({ scores }, i) =>
      Array.from(scores, (score, c) => Math.abs(score - expectedPredictions[i]!.scores[c]!)),
    ),
  );
  expect(worst).toBeLessThan(1e-4);
}

const cases = matrix.flatMap((row) =>
  row.points.map((point) => [`${row.kind} killed at ${describePoint(point)}`, row, point] as const),
);

function describePoint({ phase, fraction }: KillPoint): string {
  return `${phase} ≥ ${Math.round(fraction * 100)}%`;
}

describe('the kill matrix', () => {
  it.each(cases)(
    '%s: reopened and resumed, ends as an uninterrupted run',
    async (_, row, point) => {
      const entry = { kind: row.kind, point: describePoint(point), doneAtKill: '-', outcome: 'failed' };
      tried.push(entry);
      const { base, work, reference } = await prepare(row);
      const projectPath = await copyProject(base, `killed at ${point.phase} ${point.fraction}`);

      const stopped: Stopped = await crashDuring(projectPath, work, point);
      entry.doneAtKill = `${stopped.done}/${stopped.total}`;
      const killed = new Database(projectPath, { readonly: true });
      expect(killed.pragma('integrity_check', { simple: true })).toBe('ok');
      // A version is made by its job alone, in one step at its end; a switch makes it active in one.
      const versions = killed.prepare('SELECT id, name, active FROM models ORDER BY id').all() as {
        id: number;
        name: string;
        active: number;
      }[];
      const made = reference.versions.filter((version) => !version.trained);
      if (work.kind === 'switch') {
        expect(versions.map(({ id, name }) => ({ id, name }))).toEqual(
          made.map(({ id, name }) => ({ id, name })),
        );
        expect(versions.filter((version) => version.active === 1)).toHaveLength(1);
      } else
        expect(versions).toEqual(made.map(({ id, name, active }) => ({ id, name, active: Number(active) })));
      killed.close();

      await api.openProject({ path: projectPath });
      if (work.kind === 'labels') {
        for (const call of work.input.slice(stopped.done)) await labelCall(api, call);
      } else {
        const job = (await api.listJobs({})).find((candidate) => candidate.id === stopped.jobId)!;
        // The app resumes a version switch a crash cut off as the project opens; other jobs wait.
        if (work.kind === 'switch') expect(job).toMatchObject({ status: 'running' });
        else {
          expect(job).toMatchObject({
            status: 'interrupted',
            error: expect.stringMatching(/stopped before it finished/),
          });
          await api.resumeJob({ jobId: job.id });
        }
        expect(await jobEnd(api, job.id)).toMatchObject({ status: 'done', error: null });
      }
      const after = await outcome(projectPath);
      await api.closeProject({});

      expectSameOutcome(after, reference);
      expect(after.integrity).toBe('ok');
      entry.outcome = work.kind === 'labels' ? 'rest of the calls made: same' : 'resumed to done: same';
    },
    600_000,
  );
});
