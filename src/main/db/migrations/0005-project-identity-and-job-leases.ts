// Migration 5: the project file's application id, job leases, photos changed on disk.
import type { Migration } from './migration';

export const migration: Migration = {
  version: 5,
  name: 'project identity, job leases, photos changed on disk',
  sql: `
      -- Marks the file as a CSRA Studio project ('CSRA'): another application's database is refused
      -- on open instead of being migrated into one.
      PRAGMA application_id = 1129534017;

      -- Who runs the one job of a kind a project may run at a time, across processes: taken in an
      -- immediate transaction, renewed by a heartbeat, taken over when its process is gone.
      CREATE TABLE job_leases (
        kind         TEXT    PRIMARY KEY,
        job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        pid          INTEGER NOT NULL,
        heartbeat_at TEXT    NOT NULL
      ) WITHOUT ROWID;

      -- Set when a photo's file no longer is the file the import read (another size or date, or a
      -- link swapped in): the photo is not served, and the grid marks it.
      ALTER TABLE images ADD COLUMN changed_on_disk_at TEXT;
    `,
};
