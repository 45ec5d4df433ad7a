// Migration 2: a prediction's class maps (the attention overlay) stored with it.
import type { Migration } from './migration';

export const migration: Migration = {
  version: 2,
  name: 'class maps with predictions',
  sql: `
      -- What a photo's attention overlay needs: its strongest class maps, downsampled and quantised.
      ALTER TABLE predictions ADD COLUMN maps BLOB;
      CREATE INDEX predictions_by_model ON predictions (model_id);
    `,
};
