import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { ApiError } from '../../shared/rpc';
import { migrations, schemaVersion } from './migrations';

export type Db = Database.Database;

/**
 * Opens (or creates) a project database: WAL, foreign keys, an integrity check, then every
 * pending migration, each in its own transaction.
 */
export function openDatabase(file: string, { create }: { create: boolean }): Db {
  if (create && existsSync(file)) throw new ApiError('conflict', `${file} already exists`);
  if (!create && !existsSync(file)) throw new ApiError('not_found', `no project at ${file}`);
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: !create });
    db.pragma('journal_mode = WAL');
  } catch (error) {
    throw new ApiError(
      'corrupt_database',
      `${file} is not a CSRA Studio project: ${(error as Error).message}`,
    );
  }
  try {
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    checkIntegrity(db, file);
    migrate(db, file);
    registerFunctions(db);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof ApiError) throw error;
    throw new ApiError('corrupt_database', `${file} could not be opened: ${(error as Error).message}`);
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

function migrate(db: Db, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > schemaVersion) {
    throw new ApiError(
      'conflict',
      `${file} has schema version ${current}, newer than this CSRA Studio (${schemaVersion}); update the app`,
    );
  }
  for (const migration of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
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
