// The one rule for transactions on a project, which other processes (a second host, the CLI) may
// write at the same time. A transaction that writes takes the write lock when it begins (BEGIN
// IMMEDIATE), waiting up to the busy timeout for another writer to finish. One begun as a reader and
// upgraded at its first write fails at once, whatever the timeout, when another process committed
// since it began: its snapshot is stale (SQLITE_BUSY_SNAPSHOT), and SQLite cannot wait that away.
import { ApiError } from '$shared/rpc';
import type { Database as Db } from 'better-sqlite3';

/**
 * How long a write waits for another process's write transaction to end. The longest this app
 * makes is a label import: 2,000,000 labels hold the lock about 10 s on a 2-core machine (measured),
 * so 30 s leaves room for a slower disk. It stays under the 60 s after which a job's lease counts as
 * stale, so a job waiting on the lock is not taken for a frozen one. While it waits, the process's
 * thread waits too: better-sqlite3 is synchronous.
 */
export const busyTimeoutMs = 30_000;

/** Runs `write` in a transaction that holds the write lock from its start; nested, a savepoint. */
export function writeTransaction<T>(db: Db, write: () => T): T {
  try {
    return db.transaction(write).immediate();
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY')
      throw new ApiError(
        'conflict',
        `${db.name} is busy: another process has been writing to it for over ${busyTimeoutMs / 1000} s; try again when it is done`,
      );
    throw error;
  }
}

/** Runs `read` on one snapshot of the project, taking no lock that would hold a writer back. */
export function readTransaction<T>(db: Db, read: () => T): T {
  return db.transaction(read).deferred();
}
