// A project is its .sqlite file and the folders named after it beside it (thumbnails, feature
// cache, trained versions): moving or copying a project means all of them, and a project that
// arrives without them says on open what it lacks (Project.missingFolders). They stay beside the
// file rather than in one project folder so that a project is still the one file a user picks in
// any file dialog, and every project made so far keeps working as it is.
//
// The database is copied by SQLite (VACUUM INTO: a consistent snapshot, even while another process
// writes), never as raw bytes, which would miss what its write-ahead log holds. Nothing is written
// over: every path of the new project must be free, and each part is written under a temporary
// name and renamed into place, the database last, so a failed copy leaves no project behind.
import { cp, link, lstat, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ApiError } from '$shared/rpc';
import type { Db } from './db/connection';
import { guardOutputPath, projectOwnPaths } from './guarded-write';
import { describeFsError } from './files/fs-errors';
import { Project } from './project';
import { partialPathBeside } from './files/partial';

/**
 * Copies the project at `from`, read through `db` (a connection to it), to the new path `to` with
 * its folders; returns the new project's absolute path.
 */
export async function copyProject(db: Db, from: string, to: string): Promise<string> {
  const target = resolve(to);
  // Not one of the project's own files, nor inside its folders (a folder copied into itself).
  await guardOutputPath(from, target);
  if (!(await stat(dirname(target)).catch(() => null))?.isDirectory())
    throw new ApiError('not_found', `no folder ${dirname(target)} to copy the project into`);
  const source = projectOwnPaths(from);
  const destination = projectOwnPaths(target);
  for (const path of [...destination.files, ...destination.folders])
    if (await lstat(path).catch(() => null))
      throw new ApiError('conflict', `${path} already exists; a project is never copied over anything`);
  const written: string[] = [];
  try {
    const folders: [string, string][] = [];
    for (const [i, folder] of source.folders.entries()) {
      if (!(await lstat(folder).catch(() => null))) continue;
      const copy = partialPathBeside(destination.folders[i]!);
      written.push(copy);
      await cp(folder, copy, { recursive: true, errorOnExist: true, force: false });
      folders.push([copy, destination.folders[i]!]);
    }
    const database = partialPathBeside(target);
    written.push(database, `${database}-journal`);
    db.prepare('VACUUM INTO ?').run(database);
    const file = await open(database, 'r+');
    await file.sync().finally(() => file.close());
    for (const [copy, folder] of folders) {
      await rename(copy, folder);
      written.push(folder);
    }
    // A link, unlike a rename, never replaces a file that appeared there meanwhile.
    await link(database, target);
    await unlink(database);
  } catch (error) {
    await Promise.all(written.map((path) => rm(path, { recursive: true, force: true })));
    if (error instanceof ApiError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY')
      throw new ApiError(
        'conflict',
        `${target} or one of its folders appeared meanwhile; nothing was written`,
      );
    throw new ApiError('io_error', `cannot copy the project to ${target}: ${describeFsError(error)}`);
  }
  return target;
}

/**
 * Moves the project at `from` to `to` with its folders: a copy, then the original removed. No other
 * process may have it open (its writes would go to the file removed), so the move holds it
 * exclusively throughout.
 */
export async function moveProject(from: string, to: string): Promise<string> {
  // Opening it as a project checks it is one and brings its schema up to date.
  Project.open(from).close();
  const source = resolve(from);
  const db = new Database(source, { fileMustExist: true, timeout: 0 });
  let target: string;
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    try {
      db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      throw new ApiError(
        'conflict',
        `${source} is open in another process (the app, a host or a command); close it there first`,
      );
    }
    target = await copyProject(db, source, to);
    const { files, folders } = projectOwnPaths(source);
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
    await unlink(files[0]!);
  } finally {
    db.close();
  }
  // SQLite's own files beside it, should a closing connection have left any.
  await Promise.all(projectOwnPaths(source).files.map((file) => rm(file, { force: true })));
  return target;
}
