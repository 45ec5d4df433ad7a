// A command's time with a project: opening (or creating) it in a studio of its own, and following
// the jobs it starts to their end, with progress on stderr and Ctrl+C stopping at a safe point.
import { lstat, rm } from 'node:fs/promises';
import type { JobInfo } from '$shared/contract';
import { ApiError, createClient, type Api } from '$shared/rpc';
import type { Studio } from '../api';
import { projectOwnPaths } from '../guarded-write';

/** Opens the studio a command works in; each call, a new one. */
export type OpenStudio = () => Studio;

/**
 * Runs `work` on the project at `path`, created first if missing and allowed. A project this run
 * created goes again when the work fails before a photo is in it, so a failed first import leaves
 * nothing behind; files that were there before are never touched.
 */
export async function withProject(
  openStudio: OpenStudio,
  path: string,
  createIfMissing: boolean,
  work: (api: Api) => Promise<void>,
): Promise<void> {
  const studio = openStudio();
  const api = createClient(studio);
  const created: string[] = [];
  let removeCreated = false;
  try {
    try {
      const opened = await api.openProject({ path });
      for (const { path: folder, loss } of opened.missingFolders)
        process.stderr.write(
          `note: ${folder} is missing, so ${loss}; a project moves with its folders (csra-studio move)\n`,
        );
    } catch (error) {
      if (!(createIfMissing && error instanceof ApiError && error.code === 'not_found')) throw error;
      const { files, folders } = projectOwnPaths(path);
      // lstat: a link there, even one leading nowhere, was there before.
      for (const entry of [...files, ...folders])
        if (!(await lstat(entry).catch(() => null))) created.push(entry);
      await api.createProject({ path });
    }
    await work(api);
  } catch (error) {
    removeCreated = created.length > 0 && ((await api.getProject({}))?.imageCount ?? 0) === 0;
    throw error;
  } finally {
    await studio.close();
    if (removeCreated) await Promise.all(created.map((entry) => rm(entry, { recursive: true, force: true })));
  }
}

/**
 * Follows a job to its end, printing progress; `onProgress` runs on each of its progress events.
 * SIGINT (Ctrl+C) or SIGTERM ends the command instead: closing the studio interrupts the job at its
 * next safe point and gives up its lease, and the same command resumes it. A second signal ends
 * the process at once.
 */
export function followJob(api: Api, job: JobInfo, onProgress?: () => Promise<void>): Promise<JobInfo> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // On a terminal one line is redrawn; in a log, a line at most every two seconds.
    const tty = process.stderr.isTTY;
    let lastLine = 0;
    const stop = api.onEvent((event) => {
      if (event.type !== 'job' || event.job.id !== job.id) return;
      const { status, phase, done, total } = event.job;
      if (status === 'running') {
        void onProgress?.().catch(() => undefined);
        if (!tty && Date.now() - lastLine < 2000) return;
        lastLine = Date.now();
        const rate = done / Math.max((Date.now() - started) / 1000, 0.001);
        const eta = rate > 0 && total > done ? `, ${Math.ceil((total - done) / rate)} s left` : '';
        process.stderr.write(
          `${tty ? '\r' : ''}${phase} ${done}/${total} (${rate.toFixed(0)}/s${eta})${tty ? '   ' : '\n'}`,
        );
        return;
      }
      finish();
      resolve(event.job);
    });
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const onSignal = (signal: NodeJS.Signals) => {
      finish();
      reject(
        new Error(
          `interrupted by ${signal}: job ${job.id} stopped at a safe point; the same command resumes it`,
        ),
      );
    };
    const finish = () => {
      if (tty) process.stderr.write('\n');
      stop();
      for (const signal of signals) process.off(signal, onSignal);
    };
    for (const signal of signals) process.once(signal, onSignal);
  });
}
