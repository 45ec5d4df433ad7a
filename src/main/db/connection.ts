// Opening a project's SQLite file: checked to be a project first, then migrated, with its SQL functions.
import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiError } from '$shared/rpc';
import { describeFsError } from '../files/fs-errors';
import { migrations, schemaVersion } from './migrations';
import { busyTimeoutMs, writeTransaction } from './transaction';

export type Db = Database.Database;

/** PRAGMA application_id of a project file: 'CSRA' in ASCII. Migration 5 writes it. */
export const projectApplicationId = 0x43535241;

/** The migration that writes the id: a project last opened before it has none yet. */
const identifiedSince = 5;

/** Tables the first migration made: an older project without the id is recognised by them. */
const firstTables = ['images', 'classes', 'labels', 'jobs'];

/**
 * Opens (or creates) a project database: WAL, foreign keys, an integrity check, then every
 * pending migration, each in its own transaction. An existing file is first checked to be a
 * project this app can open, so that nothing is written to any other file.
 */
export function openDatabase(file: string, { create }: { create: boolean }): Db {
  if (create) createEmptyFile(file);
  else if (!existsSync(file)) throw new ApiError('not_found', `no project at ${file}`);
  else {
    checkWritable(file);
    checkIdentity(file);
  }
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: true, timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
  } catch (error) {
    if (create) rmSync(file, { force: true });
    throw create ? cannotCreate(file, error) : notADatabase(file, error);
  }
  try {
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    // 32 MiB of pages (SQLite's default is 2 MiB): a large project's probability index is written at
    // scattered places (a version switch adds a row per photo and class), and re-reading each page
    // from the file costs more than holding it.
    db.pragma('cache_size = -32768');
    checkIntegrity(db, file);
    migrate(db);
    registerFunctions(db);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof ApiError) throw error;
    throw new ApiError('corrupt_database', `${file} could not be opened: ${(error as Error).message}`);
  }
}

/**
 * Makes the new project's file, empty (SQLite makes a database of an empty file), so that a path
 * where none can be made fails with the system's reason rather than SQLite's "unable to open
 * database file"; 'wx' also refuses a file that is there, even one made a moment ago.
 */
function createEmptyFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new ApiError('conflict', `${file} already exists`);
    throw cannotCreate(file, error);
  }
}

function cannotCreate(file: string, error: unknown): ApiError {
  const folder = dirname(file);
  const { code } = error as NodeJS.ErrnoException;
  let folderInfo;
  try {
    folderInfo = statSync(folder);
  } catch {
    folderInfo = null;
  }
  let reason: string;
  if (!folderInfo) reason = `the folder ${folder} does not exist`;
  else if (!folderInfo.isDirectory()) reason = `${folder} is not a folder`;
  else if (code === 'EACCES' || code === 'EPERM')
    reason = `permission denied (this user may not write in ${folder})`;
  else if (code === 'EROFS') reason = `${folder} is on a read-only disk`;
  else reason = describeFsError(error);
  return new ApiError('io_error', `cannot create ${file}: ${reason}`);
}

/**
 * Refuses a project this process may not write: SQLite would open it read-only, every later write
 * failing, or not at all ("unable to open database file") where it cannot make its WAL index beside
 * it. Opening read-only is not offered: a project is written as soon as it is open (its migrations,
 * its jobs' leases), and every part of the app expects it writable.
 */
function checkWritable(file: string): void {
  const folder = dirname(file);
  for (const path of [file, folder]) {
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      let where: string;
      if (code === 'EROFS') where = 'it is on a read-only disk';
      else if (code !== 'EACCES' && code !== 'EPERM') where = describeFsError(error);
      else if (path === file) where = 'this user may not write to it';
      else where = `this user may not write in ${folder}, where SQLite keeps its journal beside it`;
      throw new ApiError(
        'io_error',
        `${file} is read-only (${where}); copy the project to a folder you can write in to open it`,
      );
    }
  }
}

function checkIntegrity(db: Db, file: string): void {
  let detail: string;
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    if (rows[0]?.integrity_check === 'ok') return;
    detail = rows.map((row) => row.integrity_check).join('; ');
  } catch (error) {
    detail = (error as Error).message;
  }
  throw new ApiError('corrupt_database', `${file} failed its integrity check: ${detail}`);
}

/**
 * Refuses a file that is not a project of this app, or is one of a newer app, having only read it:
 * a read-only connection writes nothing (no journal mode, no pragma, no migration).
 */
function checkIdentity(file: string): void {
  let identity: { applicationId: number; userVersion: number; tables: string[] };
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      identity = {
        applicationId: db.pragma('application_id', { simple: true }) as number,
        userVersion: readSchemaVersion(db),
        tables: db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
      };
    } finally {
      db.close();
    }
  } catch (error) {
    throw notADatabase(file, error);
  }
  const { applicationId, userVersion, tables } = identity;
  if (applicationId === projectApplicationId) {
    if (userVersion <= schemaVersion) return;
    throw new ApiError(
      'conflict',
      `${file} was made by a newer CSRA Studio (schema ${userVersion}, this app knows ${schemaVersion}); update the app`,
    );
  }
  const olderProject =
    applicationId === 0 &&
    userVersion >= 1 &&
    userVersion < identifiedSince &&
    firstTables.every((table) => tables.includes(table));
  if (olderProject) return;
  if (tables.length === 0) {
    throw new ApiError(
      'corrupt_database',
      `${file} is empty, not a CSRA Studio project; create a project instead`,
    );
  }
  throw new ApiError(
    'corrupt_database',
    `${file} is not a CSRA Studio project (it is another application's SQLite database)`,
  );
}

function notADatabase(file: string, error: unknown): ApiError {
  return new ApiError(
    'corrupt_database',
    `${file} is not a CSRA Studio project: ${(error as Error).message}`,
  );
}

function migrate(db: Db): void {
  for (const migration of migrations.slice(readSchemaVersion(db))) {
    // Read again under the write lock: another process opening the project may have applied it.
    writeTransaction(db, () => {
      if (readSchemaVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    });
  }
}

/**
 * SQL functions over prediction blobs (one float32 per model class), so grid filters and sorts
 * run inside the query: prob(scores, i) is class i's probability; uncertainty(scores, '[i, …]')
 * is 1 − min |2p − 1| over the listed classes (1 when one of them is a coin toss).
 */
function registerFunctions(db: Db): void {
  const prob = (scores: Buffer, index: number) => scores.readFloatLE(index * 4);
  db.function('prob', { deterministic: true }, (scores: unknown, index: unknown) =>
    Buffer.isBuffer(scores) && typeof index === 'number' && index * 4 < scores.length
      ? prob(scores, index)
      : null,
  );
  // One statement passes the same index list for every row: parse it once, not per row.
  let listed = '';
  let list: number[] = [];
  db.function('uncertainty', { deterministic: true }, (scores: unknown, indices: unknown) => {
    if (!Buffer.isBuffer(scores) || typeof indices !== 'string') return null;
    if (indices !== listed) [listed, list] = [indices, JSON.parse(indices) as number[]];
    if (list.length === 0) return null;
    let certainty = 1;
    for (const index of list) certainty = Math.min(certainty, Math.abs(2 * prob(scores, index) - 1));
    return 1 - certainty;
  });
}

export function readSchemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export const now = (): string => new Date().toISOString();
