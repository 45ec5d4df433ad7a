// Migration 8: review queue tallies kept by triggers, and labels settled in review.
import type { Migration } from './migration';

export const migration: Migration = {
  version: 8,
  name: 'review queue tallies, labels settled in review',
  sql: `
      -- The version a person had in view when deciding a label in review: that version no longer
      -- disputes it (the disputed queue would bring a label kept on purpose back for ever). Set by
      -- review decisions only; a later change of the label's state or source clears it.
      ALTER TABLE labels ADD COLUMN reviewed_model_id INTEGER REFERENCES models (id) ON DELETE SET NULL;
      ALTER TABLE label_events ADD COLUMN old_reviewed_model_id INTEGER;
      ALTER TABLE label_events ADD COLUMN reviewed_model_id INTEGER;

      -- Whether the photo has a label: the 'next' queue (unlabelled photos by uncertainty) is then a
      -- range of one partial index, read in its order and counted without probing labels.
      ALTER TABLE predictions ADD COLUMN labelled INTEGER NOT NULL DEFAULT 0;
      UPDATE predictions SET labelled = 1 WHERE image_id IN (SELECT image_id FROM labels);
      CREATE INDEX predictions_unlabelled ON predictions (model_id, uncertainty) WHERE labelled = 0;
      CREATE TRIGGER predictions_labelled AFTER INSERT ON predictions
        WHEN EXISTS (SELECT 1 FROM labels WHERE image_id = new.image_id)
      BEGIN
        UPDATE predictions SET labelled = 1 WHERE image_id = new.image_id AND model_id = new.model_id;
      END;

      -- A photo's probability of a class is looked up by both (label writes keep the tallies below).
      DROP INDEX class_scores_by_image;
      CREATE INDEX class_scores_by_image ON class_scores (image_id, class_id);

      -- Per class, what the review queues count over the index rows of model_id, on each side of
      -- threshold (above: probability >= threshold): the rows, those whose photo has a label of the
      -- class, and the labels the model disputes there (negatives above, positives below; the rule
      -- is disputedLabel in review-tallies.ts). Kept by the triggers below; when read, a missing row
      -- or one of another version is counted (none here: the first queue read counts them), one at
      -- another threshold moved to the one in use. A class's row is dropped while its index rows are
      -- rewritten wholesale, so that those rows pass the triggers at the cost of one probe.
      CREATE TABLE review_tallies (
        class_id       INTEGER PRIMARY KEY REFERENCES classes (id) ON DELETE CASCADE,
        model_id       INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        threshold      REAL    NOT NULL,
        scored_above   INTEGER NOT NULL,
        scored_below   INTEGER NOT NULL,
        labelled_above INTEGER NOT NULL,
        labelled_below INTEGER NOT NULL,
        disputed_above INTEGER NOT NULL,
        disputed_below INTEGER NOT NULL
      );

      CREATE TRIGGER labels_insert_tallied AFTER INSERT ON labels
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
      CREATE TRIGGER labels_delete_tallied AFTER DELETE ON labels
      BEGIN
        UPDATE predictions SET labelled = 0 WHERE image_id = old.image_id AND labelled = 1
           AND NOT EXISTS (SELECT 1 FROM labels WHERE image_id = old.image_id);
        UPDATE review_tallies AS t SET labelled_above = t.labelled_above - (s.probability >= t.threshold),
               labelled_below = t.labelled_below - (s.probability < t.threshold),
               disputed_above = t.disputed_above - (old.source IN ('human', 'imported') AND old.reviewed_model_id IS NOT t.model_id
                 AND old.state = 'negative' AND s.probability >= t.threshold),
               disputed_below = t.disputed_below - (old.source IN ('human', 'imported') AND old.reviewed_model_id IS NOT t.model_id
                 AND old.state = 'positive' AND s.probability < t.threshold)
          FROM class_scores s
         WHERE t.class_id = old.class_id
           AND s.image_id = old.image_id AND s.class_id = old.class_id AND s.model_id = t.model_id;
      END;
      CREATE TRIGGER labels_update_tallied AFTER UPDATE ON labels
      BEGIN
        UPDATE review_tallies AS t SET labelled_above = t.labelled_above - (s.probability >= t.threshold),
               labelled_below = t.labelled_below - (s.probability < t.threshold),
               disputed_above = t.disputed_above - (old.source IN ('human', 'imported') AND old.reviewed_model_id IS NOT t.model_id
                 AND old.state = 'negative' AND s.probability >= t.threshold),
               disputed_below = t.disputed_below - (old.source IN ('human', 'imported') AND old.reviewed_model_id IS NOT t.model_id
                 AND old.state = 'positive' AND s.probability < t.threshold)
          FROM class_scores s
         WHERE t.class_id = old.class_id
           AND s.image_id = old.image_id AND s.class_id = old.class_id AND s.model_id = t.model_id;
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
      CREATE TRIGGER class_scores_insert_tallied AFTER INSERT ON class_scores
        WHEN EXISTS (SELECT 1 FROM review_tallies WHERE class_id = new.class_id)
      BEGIN
        UPDATE review_tallies AS t SET
               scored_above = t.scored_above + (new.probability >= t.threshold),
               scored_below = t.scored_below + (new.probability < t.threshold),
               labelled_above = t.labelled_above + (l.image_id IS NOT NULL AND new.probability >= t.threshold),
               labelled_below = t.labelled_below + (l.image_id IS NOT NULL AND new.probability < t.threshold),
               disputed_above = t.disputed_above + coalesce(l.source IN ('human', 'imported') AND l.reviewed_model_id IS NOT t.model_id
                 AND l.state = 'negative' AND new.probability >= t.threshold, 0),
               disputed_below = t.disputed_below + coalesce(l.source IN ('human', 'imported') AND l.reviewed_model_id IS NOT t.model_id
                 AND l.state = 'positive' AND new.probability < t.threshold, 0)
          FROM (SELECT 1) LEFT JOIN labels l ON l.image_id = new.image_id AND l.class_id = new.class_id
         WHERE t.class_id = new.class_id AND t.model_id = new.model_id;
      END;
      CREATE TRIGGER class_scores_delete_tallied AFTER DELETE ON class_scores
        WHEN EXISTS (SELECT 1 FROM review_tallies WHERE class_id = old.class_id)
      BEGIN
        UPDATE review_tallies AS t SET
               scored_above = t.scored_above - (old.probability >= t.threshold),
               scored_below = t.scored_below - (old.probability < t.threshold),
               labelled_above = t.labelled_above - (l.image_id IS NOT NULL AND old.probability >= t.threshold),
               labelled_below = t.labelled_below - (l.image_id IS NOT NULL AND old.probability < t.threshold),
               disputed_above = t.disputed_above - coalesce(l.source IN ('human', 'imported') AND l.reviewed_model_id IS NOT t.model_id
                 AND l.state = 'negative' AND old.probability >= t.threshold, 0),
               disputed_below = t.disputed_below - coalesce(l.source IN ('human', 'imported') AND l.reviewed_model_id IS NOT t.model_id
                 AND l.state = 'positive' AND old.probability < t.threshold, 0)
          FROM (SELECT 1) LEFT JOIN labels l ON l.image_id = old.image_id AND l.class_id = old.class_id
         WHERE t.class_id = old.class_id AND t.model_id = old.model_id;
      END;
    `,
};
