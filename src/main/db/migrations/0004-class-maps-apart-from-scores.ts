// Migration 4: class maps moved out of the prediction rows into their own table.
import type { Migration } from './migration';

export const migration: Migration = {
  version: 4,
  name: 'class maps apart from the scores',
  sql: `
      -- A photo's class maps (a few KB) sat in its prediction row, before the uncertainty column:
      -- every sort or filter by the model walked their overflow pages (40 ms for 765 photos). A
      -- prediction row is now a few hundred bytes, and the maps are read only for the overlay.
      CREATE TABLE prediction_maps (
        image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        maps        BLOB    NOT NULL,
        PRIMARY KEY (image_id, model_id)
      ) WITHOUT ROWID;
      INSERT INTO prediction_maps (image_id, model_id, maps)
        SELECT image_id, model_id, maps FROM predictions WHERE maps IS NOT NULL;
      ALTER TABLE predictions DROP COLUMN maps;
    `,
};
