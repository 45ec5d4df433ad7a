// Migration 11: review tallies per (class, version), so a version switch counts the next version's
// while the active one's stay in service.
import type { Migration } from './migration';

export const migration: Migration = {
  version: 11,
  name: 'review tallies per class and version',
  sql: `
      -- A version switch builds the next version's index rows beside the active version's and keeps
      -- their tallies as it goes (the label triggers keep every row whose version has index rows of
      -- the photo), so the switch itself is one short transaction. The tallies are counts the first
      -- queue read makes again when missing: they are dropped, not copied.
      DROP TABLE review_tallies;
      CREATE TABLE review_tallies (
        class_id       INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
        model_id       INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        threshold      REAL    NOT NULL,
        scored_above   INTEGER NOT NULL,
        scored_below   INTEGER NOT NULL,
        labelled_above INTEGER NOT NULL,
        labelled_below INTEGER NOT NULL,
        disputed_above INTEGER NOT NULL,
        disputed_below INTEGER NOT NULL,
        PRIMARY KEY (class_id, model_id)
      ) WITHOUT ROWID;

      -- Index rows pass the tally triggers at the cost of one probe unless their own version's tally
      -- is kept: a switch writes a chunk of rows with that tally set aside and adds the chunk's counts.
      DROP TRIGGER class_scores_insert_tallied;
      DROP TRIGGER class_scores_delete_tallied;
      CREATE TRIGGER class_scores_insert_tallied AFTER INSERT ON class_scores
        WHEN EXISTS (SELECT 1 FROM review_tallies WHERE class_id = new.class_id AND model_id = new.model_id)
      BEGIN
        UPDATE review_tallies SET
               scored_above = scored_above + (new.probability >= threshold),
               scored_below = scored_below + (new.probability < threshold),
               labelled_above = labelled_above + (l.image_id IS NOT NULL AND new.probability >= threshold),
               labelled_below = labelled_below + (l.image_id IS NOT NULL AND new.probability < threshold),
               disputed_above = disputed_above + coalesce(l.source IN ('human', 'imported')
                 AND l.reviewed_model_id IS NOT review_tallies.model_id
                 AND l.state = 'negative' AND new.probability >= threshold, 0),
               disputed_below = disputed_below + coalesce(l.source IN ('human', 'imported')
                 AND l.reviewed_model_id IS NOT review_tallies.model_id
                 AND l.state = 'positive' AND new.probability < threshold, 0)
          FROM (SELECT 1) LEFT JOIN labels l ON l.image_id = new.image_id AND l.class_id = new.class_id
         WHERE review_tallies.class_id = new.class_id AND review_tallies.model_id = new.model_id;
      END;
      CREATE TRIGGER class_scores_delete_tallied AFTER DELETE ON class_scores
        WHEN EXISTS (SELECT 1 FROM review_tallies WHERE class_id = old.class_id AND model_id = old.model_id)
      BEGIN
        UPDATE review_tallies SET
               scored_above = scored_above - (old.probability >= threshold),
               scored_below = scored_below - (old.probability < threshold),
               labelled_above = labelled_above - (l.image_id IS NOT NULL AND old.probability >= threshold),
               labelled_below = labelled_below - (l.image_id IS NOT NULL AND old.probability < threshold),
               disputed_above = disputed_above - coalesce(l.source IN ('human', 'imported')
                 AND l.reviewed_model_id IS NOT review_tallies.model_id
                 AND l.state = 'negative' AND old.probability >= threshold, 0),
               disputed_below = disputed_below - coalesce(l.source IN ('human', 'imported')
                 AND l.reviewed_model_id IS NOT review_tallies.model_id
                 AND l.state = 'positive' AND old.probability < threshold, 0)
          FROM (SELECT 1) LEFT JOIN labels l ON l.image_id = old.image_id AND l.class_id = old.class_id
         WHERE review_tallies.class_id = old.class_id AND review_tallies.model_id = old.model_id;
      END;
    `,
};
