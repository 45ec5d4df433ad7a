// Migration 9: the label insert trigger of migration 8, skipped for photos without predictions.
import type { Migration } from './migration';

export const migration: Migration = {
  version: 9,
  name: 'label inserts tallied only for predicted photos',
  sql: `
      -- Both updates of this trigger concern photos with predictions (their labelled flag, and the
      -- tallies counted over class_scores, which exist only for predicted photos). Skipping the rest
      -- at the WHEN clause takes a third off writing a large label file into a fresh project.
      DROP TRIGGER labels_insert_tallied;
      CREATE TRIGGER labels_insert_tallied AFTER INSERT ON labels
        WHEN EXISTS (SELECT 1 FROM predictions WHERE image_id = new.image_id)
      BEGIN
        UPDATE predictions SET labelled = 1 WHERE image_id = new.image_id AND labelled = 0;
        UPDATE review_tallies AS t SET labelled_above = t.labelled_above + (s.probability >= t.threshold),
               labelled_below = t.labelled_below + (s.probability < t.threshold),
               disputed_above = t.disputed_above + (new.source IN ('human', 'imported') AND new.reviewed_model_id IS NOT t.model_id
                 AND new.state = 'negative' AND s.probability >= t.threshold),
               disputed_below = t.disputed_below + (new.source IN ('human', 'imported') AND new.reviewed_model_id IS NOT t.model_id
                 AND new.state = 'positive' AND s.probability < t.threshold)
          FROM class_scores s
         WHERE t.class_id = new.class_id
           AND s.image_id = new.image_id AND s.class_id = new.class_id AND s.model_id = t.model_id;
      END;
    `,
};
