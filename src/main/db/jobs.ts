// Job rows: their progress and results, the items they passed over, and each job kind's lease.
import type { JobInfo, JobStatus } from '$shared/contract';
import { now, type Db } from './connection';
import { writeTransaction } from './transaction';

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

/**
 * A job recorded to run later, as one cut off before its first step: whoever starts its kind with
 * the same configuration (or finds it cut off when the project opens) runs it.
 */
export function queueJob(db: Db, kind: JobInfo['kind'], config: unknown): JobInfo {
  const at = now();
  const result = db
    .prepare(
      `INSERT INTO jobs (kind, status, phase, config, created_at, updated_at)
       VALUES (?, 'interrupted', 'waiting to start', ?, ?, ?)`,
    )
    .run(kind, JSON.stringify(config), at, at);
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

/** A running job renews its kind's lease this often. */
export const leaseHeartbeatMs = 5_000;
/**
 * A lease not renewed for this long is taken over even though a process with its pid runs (the pid
 * reused by another program, or the holder frozen). Generous: a long synchronous stretch of a job
 * delays its heartbeat, and the pid alone already tells a holder that is gone.
 */
const leaseStaleMs = 60_000;

interface Lease {
  kind: string;
  jobId: number;
  pid: number;
  heartbeatAt: string;
}

// The leases this process holds: a lease naming this process's pid that is not among them was left
// by an earlier process with the same pid (in a container the app is pid 1 every time).
const heldHere = new Set<string>();
const leaseKey = (db: Db, kind: string, jobId: number) => `${db.name}\n${kind}\n${jobId}`;

function leaseLive(db: Db, lease: Lease): boolean {
  if (lease.pid === process.pid) return heldHere.has(leaseKey(db, lease.kind, lease.jobId));
  return Date.now() - Date.parse(lease.heartbeatAt) <= leaseStaleMs && processAlive(lease.pid);
}

/**
 * Drops the leases whose process is gone (or froze), and marks the jobs marked running that no
 * lease covers interrupted, so they can be resumed: a crash, a kill or a power cut ended them.
 */
export function markOrphanedJobs(db: Db): void {
  writeTransaction(db, () => {
    const leases = db
      .prepare('SELECT kind, job_id AS jobId, pid, heartbeat_at AS heartbeatAt FROM job_leases')
      .all() as Lease[];
    for (const lease of leases)
      if (!leaseLive(db, lease)) db.prepare('DELETE FROM job_leases WHERE kind = ?').run(lease.kind);
    const orphans = db
      .prepare(`SELECT id FROM jobs WHERE status = 'running' AND id NOT IN (SELECT job_id FROM job_leases)`)
      .all() as { id: number }[];
    for (const { id } of orphans)
      setJobStatus(db, id, 'interrupted', 'the process running this job stopped before it finished');
  });
}

/** The pid of the process holding the lease of `kind`; after markOrphanedJobs, in its transaction. */
export function leaseHolder(db: Db, kind: JobInfo['kind']): number | undefined {
  const row = db.prepare('SELECT pid FROM job_leases WHERE kind = ?').get(kind) as
    { pid: number } | undefined;
  return row?.pid;
}

/** Takes the free lease of `kind` for this process's job; in the transaction that found it free. */
export function takeLease(db: Db, kind: JobInfo['kind'], jobId: number): void {
  db.prepare('INSERT INTO job_leases (kind, job_id, pid, heartbeat_at) VALUES (?, ?, ?, ?)').run(
    kind,
    jobId,
    process.pid,
    now(),
  );
  heldHere.add(leaseKey(db, kind, jobId));
}

/** Renews this process's lease of a job; false when it no longer holds it (another process took it over). */
export function renewLease(db: Db, kind: JobInfo['kind'], jobId: number): boolean {
  return (
    db
      .prepare('UPDATE job_leases SET heartbeat_at = ? WHERE kind = ? AND job_id = ? AND pid = ?')
      .run(now(), kind, jobId, process.pid).changes > 0
  );
}

/** Gives up this process's lease of a job; false when it held it no longer. */
export function releaseLease(db: Db, kind: JobInfo['kind'], jobId: number): boolean {
  heldHere.delete(leaseKey(db, kind, jobId));
  return (
    db
      .prepare('DELETE FROM job_leases WHERE kind = ? AND job_id = ? AND pid = ?')
      .run(kind, jobId, process.pid).changes > 0
  );
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
