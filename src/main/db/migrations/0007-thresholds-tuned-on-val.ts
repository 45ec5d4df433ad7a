// Migration 7: thresholds tuned on the val split, and the view of the threshold each class uses.
import type { Migration } from './migration';

export const migration: Migration = {
  version: 7,
  name: 'thresholds tuned on val',
  sql: `
      -- Each class's threshold chosen on the val split for a version, by a rule (best F1, or the
      -- lowest threshold reaching a precision), with what it achieved there.
      CREATE TABLE class_thresholds (
        model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        class_id    INTEGER NOT NULL REFERENCES classes (id),
        threshold   REAL    NOT NULL,
        rule        TEXT    NOT NULL,
        precision   REAL,
        recall      REAL,
        f1          REAL,
        val_labels  INTEGER NOT NULL,
        tuned_at    TEXT    NOT NULL,
        PRIMARY KEY (model_id, class_id)
      ) WITHOUT ROWID;
      -- Which threshold a class uses: the hand-set one, or the one tuned for the active version.
      ALTER TABLE classes ADD COLUMN threshold_source TEXT NOT NULL DEFAULT 'manual'
        CHECK (threshold_source IN ('manual', 'tuned'));
      -- The one rule for the threshold a class uses, for every query that decides by it: the tuned
      -- one when the class says so and the active version has one, else the hand-set one.
      CREATE VIEW class_threshold_in_use AS
        SELECT c.id AS class_id, c.threshold AS manual_threshold, t.threshold AS tuned_threshold,
               c.threshold_source AS source,
               CASE WHEN c.threshold_source = 'tuned' AND t.threshold IS NOT NULL
                    THEN t.threshold ELSE c.threshold END AS threshold
          FROM classes c
          LEFT JOIN models m ON m.active = 1
          LEFT JOIN class_thresholds t ON t.model_id = m.id AND t.class_id = c.id;
    `,
};
