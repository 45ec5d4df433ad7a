// Migration 10: the tally triggers of migrations 8 and 9 again, without the alias older SQLite refuses.
import type { Migration } from './migration';

export const migration: Migration = {
  version: 10,
  name: 'review tally triggers that SQLite 3.37 reads',
  sql: `
      -- Migrations 8 and 9 wrote "UPDATE review_tallies AS t" inside triggers: SQLite refuses an alias
      -- there up to 3.49 at least (3.53 reads it), so Debian 12's sqlite3 and Python (3.40) and
      -- Ubuntu 22.04's (3.37) could not read the project's schema at all. The same triggers, the
      -- table named in full; UPDATE … FROM inside a trigger is read since 3.33.
      DROP TRIGGER labels_insert_tallied;
      DROP TRIGGER labels_delete_tallied;
      DROP TRIGGER labels_update_tallied;
      DROP TRIGGER class_scores_insert_tallied;
      DROP TRIGGER class_scores_delete_tallied;
      CREATE TRIGGER labels_insert_tallied AFTER INSERT ON labels
        WHEN EXISTS (SELECT 1 FROM predictions WHERE image_id = new.image_id)
      BEGIN
        UPDATE predictions SET labelled = 1 WHERE image_id = new.image_id AND labelled = 0;
        UPDATE review_tallies SET
               labelled_above = labelled_above + (s.probability >= threshold),
               labelled_below = labelled_below + (s.probability < threshold),
               disputed_above = disputed_above + (new.source IN ('human', 'imported')
                 AND new.reviewed_model_id IS NOT review_tallies.model_id
                 AND new.state = 'negative' AND s.probability >= threshold),
               disputed_below = disputed_below + (new.source IN ('human', 'imported')
                 AND new.reviewed_model_id IS NOT review_tallies.model_id
                 AND new.state = 'positive' AND s.probability < threshold)
          FROM class_scores s
         WHERE review_tallies.class_id = new.class_id
           AND s.image_id = new.image_id AND s.class_id = new.class_id AND s.model_id = review_tallies.model_id;
      END;
      CREATE TRIGGER labels_delete_tallied AFTER DELETE ON labels
      BEGIN
        UPDATE predictions SET labelled = 0 WHERE image_id = old.image_id AND labelled = 1
           AND NOT EXISTS (SELECT 1 FROM labels WHERE image_id = old.image_id);
        UPDATE review_tallies SET
               labelled_above = labelled_above - (s.probability >= threshold),
               labelled_below = labelled_below - (s.probability < threshold),
               disputed_above = disputed_above - (old.source IN ('human', 'imported')
                 AND old.reviewed_model_id IS NOT review_tallies.model_id
                 AND old.state = 'negative' AND s.probability >= threshold),
               disputed_below = disputed_below - (old.source IN ('human', 'imported')
                 AND old.reviewed_model_id IS NOT review_tallies.model_id
                 AND old.state = 'positive' AND s.probability < threshold)
          FROM class_scores s
         WHERE review_tallies.class_id = old.class_id
           AND s.image_id = old.image_id AND s.class_id = old.class_id AND s.model_id = review_tallies.model_id;
      END;
      CREATE TRIGGER labels_update_tallied AFTER UPDATE ON labels
      BEGIN
        UPDATE review_tallies SET
               labelled_above = labelled_above - (s.probability >= threshold),
               labelled_below = labelled_below - (s.probability < threshold),
               disputed_above = disputed_above - (old.source IN ('human', 'imported')
                 AND old.reviewed_model_id IS NOT review_tallies.model_id
                 AND old.state = 'negative' AND s.probability >= threshold),
               disputed_below = disputed_below - (old.source IN ('human', 'imported')
                 AND old.reviewed_model_id IS NOT review_tallies.model_id
                 AND old.state = 'positive' AND s.probability < threshold)
          FROM class_scores s
         WHERE review_tallies.class_id = old.class_id
           AND s.image_id = old.image_id AND s.class_id = old.class_id AND s.model_id = review_tallies.model_id;
        UPDATE review_tallies SET
               labelled_above = labelled_above + (s.probability >= threshold),
               labelled_below = labelled_below + (s.probability < threshold),
               disputed_above = disputed_above + (new.source IN ('human', 'imported')
                 AND new.reviewed_model_id IS NOT review_tallies.model_id
                 AND new.state = 'negative' AND s.probability >= threshold),
               disputed_below = disputed_below + (new.source IN ('human', 'imported')
                 AND new.reviewed_model_id IS NOT review_tallies.model_id
                 AND new.state = 'positive' AND s.probability < threshold)
          FROM class_scores s
         WHERE review_tallies.class_id = new.class_id
           AND s.image_id = new.image_id AND s.class_id = new.class_id AND s.model_id = review_tallies.model_id;
      END;
      CREATE TRIGGER class_scores_insert_tallied AFTER INSERT ON class_scores
        WHEN EXISTS (SELECT 1 FROM review_tallies WHERE class_id = new.class_id)
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
        WHEN EXISTS (SELECT 1 FROM review_tallies WHERE class_id = old.class_id)
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
