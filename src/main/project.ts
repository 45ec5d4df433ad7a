import { basename, resolve } from 'node:path';
import type { ProjectInfo } from '../shared/contract';
import { countClasses } from './db/classes';
import { openDatabase, readSchemaVersion, type Db } from './db/connection';
import { countImages } from './db/images';
import { markOrphanedJobs } from './db/jobs';
import { thumbnailPath } from './library/thumbnails';

/** An open project: its database file and the thumbnail cache beside it. */
export class Project {
  private constructor(
    readonly path: string,
    readonly db: Db,
  ) {}

  static create(path: string): Project {
    return Project.at(path, true);
  }

  static open(path: string): Project {
    return Project.at(path, false);
  }

  private static at(path: string, create: boolean): Project {
    const absolute = resolve(path);
    const db = openDatabase(absolute, { create });
    markOrphanedJobs(db);
    return new Project(absolute, db);
  }

  info(): ProjectInfo {
    return {
      path: this.path,
      name: basename(this.path).replace(/\.sqlite$/i, ''),
      schemaVersion: readSchemaVersion(this.db),
      imageCount: countImages(this.db),
      classCount: countClasses(this.db),
    };
  }

  thumbnailPath(sha256: string): string {
    return thumbnailPath(this.path, sha256);
  }

  close(): void {
    this.db.close();
  }
}
