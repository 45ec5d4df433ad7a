// Migration 3: the labeling workspace: undoable actions, class thresholds, photo dates, uncertainty.
import type { Migration } from './migration';

export const migration: Migration = {
  version: 3,
  name: 'labeling workspace: undoable actions, class thresholds, photo dates, uncertainty',
  sql: `
      -- One row per thing a person did (a key press, a bulk edit); its label_events share its id.
      -- Undo marks it undone; a new action after an undo discards what could have been redone.
      CREATE TABLE actions (
        id          INTEGER PRIMARY KEY,
        description TEXT    NOT NULL,
        state       TEXT    NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone', 'discarded')),
        at          TEXT    NOT NULL
      );
      ALTER TABLE label_events ADD COLUMN old_source TEXT;
      ALTER TABLE label_events ADD COLUMN action_id INTEGER REFERENCES actions (id);
      CREATE INDEX label_events_by_action ON label_events (action_id);

      -- Probability from which a pre-label counts as predicted, per class.
      ALTER TABLE classes ADD COLUMN threshold REAL NOT NULL DEFAULT 0.5;
      ALTER TABLE classes ADD COLUMN archived_at TEXT;
      CREATE UNIQUE INDEX classes_live_hotkey ON classes (hotkey) WHERE deleted_at IS NULL AND hotkey IS NOT NULL;

      ALTER TABLE images ADD COLUMN modified_at TEXT;
      CREATE INDEX images_by_date ON images (modified_at, path);

      -- How unsure the model is about a photo's project classes: 1 − min |2p − 1|.
      ALTER TABLE predictions ADD COLUMN uncertainty REAL;
      CREATE INDEX predictions_by_uncertainty ON predictions (model_id, uncertainty);
    `,
};
