// An open project: its database, and the folders beside it that it needs.
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ProjectInfo } from '$shared/contract';
import { countClasses } from './db/classes';
import { openDatabase, readSchemaVersion, type Db } from './db/connection';
import { countImages } from './db/images';
import { markOrphanedJobs } from './db/jobs';
import { listModels } from './db/models';
import { thumbnailFolder, thumbnailPath } from './library/thumbnails';
import { versionsFolder } from './paths';

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
      missingFolders: this.missingFolders(),
    };
  }

  /**
   * The folders kept beside the project that it needs and lacks, each with what is lost without
   * it: a project renamed or copied without them. The feature cache is left out, as it is refilled.
   */
  missingFolders(): ProjectInfo['missingFolders'] {
    const trained = listModels(this.db).flatMap((model) => (model.headFile === null ? [] : [model.name]));
    const versions = versionsFolder(this.path);
    const thumbnails = thumbnailFolder(this.path);
    return [
      ...(trained.length > 0 && !existsSync(versions)
        ? [{ path: versions, loss: `trained versions ${trained.join(', ')} cannot be used` }]
        : []),
      ...(countImages(this.db) > 0 && !existsSync(thumbnails)
        ? [{ path: thumbnails, loss: 'each thumbnail is made again from its photo when first shown' }]
        : []),
    ];
  }

  thumbnailPath(sha256: string): string {
    return thumbnailPath(this.path, sha256);
  }

  close(): void {
    this.db.close();
  }
}
