// Migration 1: the first schema (photos, classes, labels, jobs, label history, model versions, predictions).
import type { Migration } from './migration';

export const migration: Migration = {
  version: 1,
  name: 'initial schema',
  sql: `
      CREATE TABLE images (
        id          INTEGER PRIMARY KEY,
        path        TEXT    NOT NULL UNIQUE,
        sha256      TEXT    NOT NULL UNIQUE,
        bytes       INTEGER NOT NULL,
        format      TEXT    NOT NULL,
        width       INTEGER NOT NULL,
        height      INTEGER NOT NULL,
        orientation INTEGER NOT NULL DEFAULT 1,
        split       TEXT    NOT NULL DEFAULT 'none' CHECK (split IN ('train', 'val', 'test', 'none')),
        job_id      INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        imported_at TEXT    NOT NULL
      );

      -- AUTOINCREMENT: a deleted class's id is never handed to a new class.
      CREATE TABLE classes (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT    NOT NULL,
        color       TEXT    NOT NULL,
        hotkey      TEXT,
        position    INTEGER NOT NULL,
        deleted_at  TEXT
      );
      CREATE UNIQUE INDEX classes_live_name ON classes (name) WHERE deleted_at IS NULL;

      -- No row means unknown.
      CREATE TABLE labels (
        image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        class_id    INTEGER NOT NULL REFERENCES classes (id),
        state       TEXT    NOT NULL CHECK (state IN ('positive', 'negative')),
        source      TEXT    NOT NULL CHECK (source IN ('human', 'accepted', 'imported')),
        at          TEXT    NOT NULL,
        PRIMARY KEY (image_id, class_id)
      ) WITHOUT ROWID;
      CREATE INDEX labels_by_class ON labels (class_id, state);

      CREATE TABLE jobs (
        id          INTEGER PRIMARY KEY,
        kind        TEXT    NOT NULL,
        status      TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
        phase       TEXT    NOT NULL DEFAULT '',
        done        INTEGER NOT NULL DEFAULT 0,
        total       INTEGER NOT NULL DEFAULT 0,
        error       TEXT,
        config      TEXT    NOT NULL,
        result      TEXT,
        pid         INTEGER,
        created_at  TEXT    NOT NULL,
        updated_at  TEXT    NOT NULL
      );

      -- Items a job passed over, with why: a file that is not a readable image, a duplicate, ...
      CREATE TABLE job_items (
        job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        item        TEXT    NOT NULL,
        outcome     TEXT    NOT NULL CHECK (outcome IN ('skipped', 'duplicate')),
        detail      TEXT    NOT NULL,
        PRIMARY KEY (job_id, item)
      ) WITHOUT ROWID;

      CREATE TABLE label_events (
        id          INTEGER PRIMARY KEY,
        image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        class_id    INTEGER NOT NULL REFERENCES classes (id),
        old_state   TEXT,
        new_state   TEXT,
        source      TEXT    NOT NULL,
        job_id      INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        at          TEXT    NOT NULL
      );
      CREATE INDEX label_events_by_image ON label_events (image_id);

      CREATE TABLE models (
        id          INTEGER PRIMARY KEY,
        parent_id   INTEGER REFERENCES models (id),
        name        TEXT    NOT NULL,
        pack        TEXT    NOT NULL,
        classes     TEXT    NOT NULL,
        head_file   TEXT,
        metrics     TEXT,
        active      INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
        created_at  TEXT    NOT NULL
      );
      CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active = 1;

      CREATE TABLE predictions (
        image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        scores      BLOB    NOT NULL,
        created_at  TEXT    NOT NULL,
        PRIMARY KEY (image_id, model_id)
      ) WITHOUT ROWID;
    `,
};
