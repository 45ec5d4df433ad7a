// Migration 6: the per-class probability index of the active version's predictions (class_scores).
import type { Migration } from './migration';

export const migration: Migration = {
  version: 6,
  name: 'per-class probability index of the predictions',
  sql: `
      -- The active version's probability of each project class it predicts, one row per (class,
      -- photo), kept with the predictions: a probability filter or a review queue reads the range it
      -- needs from the index instead of decoding every photo's scores. The active version's only:
      -- another version's rows would cost as much again and serve no query.
      CREATE TABLE class_scores (
        model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        class_id    INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
        probability REAL    NOT NULL,
        image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        PRIMARY KEY (model_id, class_id, probability, image_id)
      ) WITHOUT ROWID;
      CREATE INDEX class_scores_by_image ON class_scores (image_id);
      -- Which model output each class's rows were read from: what class_scores holds, so that a
      -- change of the active version or of the classes it predicts rewrites only what changed.
      CREATE TABLE class_score_sources (
        class_id    INTEGER PRIMARY KEY REFERENCES classes (id) ON DELETE CASCADE,
        model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        model_index INTEGER NOT NULL
      );
    `,
};
