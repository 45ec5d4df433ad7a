// One job of a kind at a time per project, across processes: the job leases. Real projects, real
// photos, a real second process (a frozen child holding a lease, or the built csra-studio).
import Database from 'better-sqlite3';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CrashWork, KillPoint } from '../../test/fixtures/renderer-studio';
import { freezeDuring, importAndWait, jobEnd, newStudio } from '../../test/fixtures/direct-api';
import { repoRoot } from '../../test/fixtures/paths';
import { copyVocPhotos } from '../../test/fixtures/workspace';
import type { Api } from '$shared/rpc';

const bin = join(repoRoot, 'bin', 'csra-studio.js');

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** Reads the project file beside the studio that has it open, as another process would. */
function readProject<T>(projectPath: string, read: (db: Database.Database) => T): T {
  const db = new Database(projectPath, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const leases = (projectPath: string) =>
  readProject(projectPath, (db) => db.prepare('SELECT kind, job_id AS jobId, pid FROM job_leases').all());
/** What the CLI says of its jobs: its stderr less the one line on which provider runs the model. */
const jobLines = (stderr: string) =>
  stderr.split('\n').filter((line) => !line.startsWith('onnxruntime runs'));
const jobRow = (projectPath: string, jobId: number) =>
  readProject(
    projectPath,
    (db) =>
      db.prepare('SELECT status, error, done, total FROM jobs WHERE id = ?').get(jobId) as {
        status: string;
        error: string | null;
        done: number;
        total: number;
      },
  );

/** A project of `count` VOC photos, with the folder they came from; `imported` or not yet. */
async function photoProject(count: number, imported: boolean) {
  const context = await newStudio();
  const folder = join(context.dir, 'photos');
  await copyVocPhotos(folder, count);
  if (imported) await importAndWait(context.api, folder);
  return { ...context, folder };
}

interface Kind {
  kind: 'import' | 'prelabel';
  /** The kind as messages name it. */
  named: string;
  photos: number;
  imported: boolean;
  work: (folder: string) => CrashWork;
  start: (api: Api, folder: string) => Promise<{ id: number }>;
  command: (projectPath: string, folder: string) => string[];
  /** A point the job passes early, while most of its work is still to do. */
  early: KillPoint;
  /** What the job's reports say when it has done all its work, each photo once. */
  finished: (api: Api, jobId: number) => Promise<unknown>;
}

const kinds: Kind[] = [
  {
    kind: 'import',
    named: 'an import',
    photos: 160,
    imported: false,
    work: (folder) => ({ kind: 'import', input: { folder } }),
    start: (api, folder) => api.startImport({ folder }),
    command: (projectPath, folder) => ['import', projectPath, folder],
    early: { phase: 'importing', fraction: 0.01 },
    finished: async (api, jobId) =>
      expect(await api.getImportReport({ jobId })).toMatchObject({
        status: 'done',
        found: 160,
        added: 160,
        existing: 0,
        duplicates: [],
        skipped: [],
      }),
  },
  {
    kind: 'prelabel',
    named: 'a pre-label',
    photos: 16,
    imported: true,
    work: () => ({ kind: 'prelabel', input: { provider: 'cpu' } }),
    start: (api) => api.startPrelabel({ provider: 'cpu' }),
    command: (projectPath) => ['prelabel', projectPath, '--ep', 'cpu'],
    early: { phase: 'predicting', fraction: 0.01 },
    finished: async (api, jobId) => {
      expect(await api.getPrelabelReport({ jobId })).toMatchObject({ status: 'done', predicted: 16 });
      expect((await api.getModel({}))!.predicted).toBe(16);
    },
  },
];

describe('a job of a kind another process runs on the project', () => {
  it.each(kinds)(
    '$kind: is refused, naming that process, until it is killed; then it is taken over and resumed',
    async ({ named, photos, imported, work, start, command, early, finished }) => {
      const { api, projectPath, folder } = await photoProject(photos, imported);
      await api.closeProject({});
      const holder = await freezeDuring(projectPath, work(folder), early);
      const jobId = holder.stopped.jobId!;

      // Opened meanwhile, the project lists the job as running: its process lives.
      await api.openProject({ path: projectPath });
      expect((await api.listJobs({})).find((job) => job.id === jobId)?.status).toBe('running');
      const refusal = `${named} job is already running in process ${holder.pid}`;
      await expect(start(api, folder)).rejects.toMatchObject({ code: 'conflict', message: refusal });
      await expect(api.resumeJob({ jobId })).rejects.toMatchObject({ code: 'conflict', message: refusal });
      await expect(api.cancelJob({ jobId })).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringContaining(`job ${jobId} runs in process ${holder.pid}, not this one`),
      });
      const second = await cli(command(projectPath, folder));
      expect(second.code).toBe(2);
      expect(jobLines(second.stderr)[0]).toBe(`csra-studio ${command(projectPath, folder)[0]}: ${refusal}`);

      // Killed, it holds nothing: the same start resumes its job here, to the end, each photo once.
      await holder.kill();
      const resumed = await start(api, folder);
      expect(resumed.id).toBe(jobId);
      expect(await jobEnd(api, jobId)).toMatchObject({ status: 'done', error: null });
      await finished(api, jobId);
      expect(leases(projectPath)).toEqual([]);
    },
    300_000,
  );
});

describe('csra-studio stopped by a signal', () => {
  it.each([
    { signal: 'SIGTERM', ...kinds[0]! },
    { signal: 'SIGINT', ...kinds[0]! },
    { signal: 'SIGTERM', ...kinds[1]! },
  ] as const)(
    '$kind, $signal: the job stops at a safe point, interrupted, its lease released; the same command resumes it',
    async ({ signal, kind, photos, imported, command, finished }) => {
      const { api, projectPath, folder } = await photoProject(photos, imported);
      await api.closeProject({});
      const child = spawn(process.execPath, [bin, ...command(projectPath, folder)]);
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      // Its first progress line: the job runs.
      await new Promise<void>((resolve) =>
        child.stderr.on('data', () => jobLines(stderr).length > 1 && resolve()),
      );
      child.kill(signal);
      const [code, killedBy] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];

      expect({ code, killedBy }).toEqual({ code: 1, killedBy: null });
      expect(stderr).toMatch(
        new RegExp(`^csra-studio ${kind}: interrupted by ${signal}: job \\d+ stopped at a safe point`, 'm'),
      );
      const jobId = Number(/job (\d+) stopped/.exec(stderr)![1]);
      const stopped = jobRow(projectPath, jobId);
      expect(stopped).toMatchObject({ status: 'interrupted', error: null });
      expect(stopped.done).toBeLessThan(stopped.total);
      expect(leases(projectPath)).toEqual([]);

      const again = await cli([...command(projectPath, folder), '--json']);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).jobId).toBe(jobId);
      await api.openProject({ path: projectPath });
      await finished(api, jobId);
    },
    300_000,
  );
});

describe('a job lease', () => {
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

  it.each([
    { holder: 'a process that runs', pid: process.ppid, heartbeat: minutesAgo(0), takenOver: false },
    {
      holder: 'a process that stopped renewing it',
      pid: process.ppid,
      heartbeat: minutesAgo(2),
      takenOver: true,
    },
    // A container's app is pid 1 every time: the lease of an earlier one reads as this process's.
    { holder: 'this process, no job of it', pid: process.pid, heartbeat: minutesAgo(0), takenOver: true },
  ])('held by $holder is taken over: $takenOver', async ({ pid, heartbeat, takenOver }) => {
    const { api, projectPath, folder } = await photoProject(2, true);
    const [job] = await api.listJobs({});
    const db = new Database(projectPath);
    db.prepare(`UPDATE jobs SET status = 'running' WHERE id = ?`).run(job!.id);
    db.prepare(`INSERT INTO job_leases VALUES ('import', ?, ?, ?)`).run(job!.id, pid, heartbeat);
    db.close();

    const started = api.startImport({ folder });
    if (!takenOver) {
      await expect(started).rejects.toThrow(`an import job is already running in process ${pid}`);
      expect(leases(projectPath)).toEqual([{ kind: 'import', jobId: job!.id, pid }]);
      return;
    }
    expect((await started).id).toBe(job!.id);
    expect(await jobEnd(api, job!.id)).toMatchObject({ status: 'done' });
    expect(leases(projectPath)).toEqual([]);
  });

  /** A pre-label job running in a studio of this process, past its first progress. */
  async function runningPrelabel() {
    const context = await photoProject(16, true);
    const job = await context.api.startPrelabel({ provider: 'cpu' });
    await new Promise<void>((resolve) => context.api.onEvent((event) => event.type === 'job' && resolve()));
    return { ...context, job };
  }

  it('is given up as its studio closes: the running job is interrupted, to be resumed', async () => {
    const { studio, projectPath, job } = await runningPrelabel();
    await studio.close();

    const stopped = jobRow(projectPath, job.id);
    expect(stopped).toMatchObject({ status: 'interrupted', error: null });
    expect(stopped.done).toBeLessThan(16);
    expect(leases(projectPath)).toEqual([]);
  });

  it('taken over by another process leaves the job to it: this one writes no end and keeps off the lease', async () => {
    const { studio, projectPath, job } = await runningPrelabel();
    const db = new Database(projectPath);
    db.prepare('UPDATE job_leases SET pid = ? WHERE job_id = ?').run(process.ppid, job.id);
    db.close();
    await studio.close();

    expect(jobRow(projectPath, job.id).status).toBe('running');
    expect(leases(projectPath)).toEqual([{ kind: 'prelabel', jobId: job.id, pid: process.ppid }]);
  });
});
