import type { JobInfo, JobStatus } from '../../shared/contract';
import { now, type Db } from './connection';

const columns =
  'id, kind, status, phase, done, total, error, created_at AS createdAt, updated_at AS updatedAt';

export function createJob(db: Db, kind: JobInfo['kind'], config: unknown): JobInfo {
  const at = now();
  const result = db
    .prepare(
      `INSERT INTO jobs (kind, status, config, pid, created_at, updated_at) VALUES (?, 'running', ?, ?, ?, ?)`,
    )
    .run(kind, JSON.stringify(config), process.pid, at, at);
  return getJob(db, Number(result.lastInsertRowid))!;
}

export function getJob(db: Db, id: number): JobInfo | undefined {
  return db.prepare(`SELECT ${columns} FROM jobs WHERE id = ?`).get(id) as JobInfo | undefined;
}

export function listJobs(db: Db): JobInfo[] {
  return db.prepare(`SELECT ${columns} FROM jobs ORDER BY id DESC`).all() as JobInfo[];
}

/** The latest job of a kind that stopped early with exactly this configuration, if any. */
export function findUnfinishedJob(db: Db, kind: JobInfo['kind'], config: unknown): number | undefined {
  const row = db
    .prepare(
      `SELECT id FROM jobs WHERE kind = ? AND config = ? AND status IN ('interrupted', 'cancelled', 'failed')
        ORDER BY id DESC LIMIT 1`,
    )
    .get(kind, JSON.stringify(config)) as { id: number } | undefined;
  return row?.id;
}

export function jobConfig<T>(db: Db, id: number): T {
  const row = db.prepare('SELECT config FROM jobs WHERE id = ?').get(id) as { config: string };
  return JSON.parse(row.config) as T;
}

export function jobResult<T>(db: Db, id: number): T | null {
  const row = db.prepare('SELECT result FROM jobs WHERE id = ?').get(id) as
    { result: string | null } | undefined;
  return row?.result ? (JSON.parse(row.result) as T) : null;
}

export function setJobProgress(
  db: Db,
  id: number,
  progress: { phase: string; done: number; total: number },
): void {
  db.prepare(
    'UPDATE jobs SET phase = @phase, done = @done, total = @total, updated_at = @at WHERE id = @id',
  ).run({
    ...progress,
    id,
    at: now(),
  });
}

export function setJobResult(db: Db, id: number, result: unknown): void {
  db.prepare('UPDATE jobs SET result = ?, updated_at = ? WHERE id = ?').run(
    JSON.stringify(result),
    now(),
    id,
  );
}

export function setJobStatus(db: Db, id: number, status: JobStatus, error: string | null = null): void {
  db.prepare('UPDATE jobs SET status = ?, error = ?, pid = ?, updated_at = ? WHERE id = ?').run(
    status,
    error,
    status === 'running' ? process.pid : null,
    now(),
    id,
  );
}

/**
 * Jobs marked running whose process is gone were cut off by a crash or a kill: mark them
 * interrupted so they can be resumed.
 */
export function markOrphanedJobs(db: Db): void {
  const running = db.prepare(`SELECT id, pid FROM jobs WHERE status = 'running'`).all() as {
    id: number;
    pid: number | null;
  }[];
  for (const job of running) {
    if (job.pid !== null && job.pid !== process.pid && processAlive(job.pid)) continue;
    setJobStatus(db, job.id, 'interrupted', 'the process running this job stopped before it finished');
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type JobItemOutcome = 'skipped' | 'duplicate';

export function recordJobItem(
  db: Db,
  jobId: number,
  item: string,
  outcome: JobItemOutcome,
  detail: string,
): void {
  db.prepare('INSERT OR REPLACE INTO job_items (job_id, item, outcome, detail) VALUES (?, ?, ?, ?)').run(
    jobId,
    item,
    outcome,
    detail,
  );
}

export function clearJobItem(db: Db, jobId: number, item: string): void {
  db.prepare('DELETE FROM job_items WHERE job_id = ? AND item = ?').run(jobId, item);
}

export function jobItems(db: Db, jobId: number, outcome: JobItemOutcome): { item: string; detail: string }[] {
  return db
    .prepare('SELECT item, detail FROM job_items WHERE job_id = ? AND outcome = ? ORDER BY item')
    .all(jobId, outcome) as { item: string; detail: string }[];
}
