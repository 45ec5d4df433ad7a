// `csra-studio predict`: probabilities for every photo under a folder, as CSV rows, without
// importing anything.
import { relative, sep } from 'node:path';
import { csvField } from '../exchange/labels-csv';
import { scanFolder } from '../library/scan';
import type { LoadedModel } from './model-host';
import { prelabelBatchSize } from './prelabel-job';
import { predictPhotos } from './predictor';

export interface PredictColumn {
  name: string;
  /** Index of the class in the model's outputs; null: the model does not predict it (empty cells). */
  modelIndex: number | null;
}

/**
 * Writes the header, then one row per readable photo in path order; photos that cannot be
 * decoded (and unreadable folders) are reported through `skip` and get no row.
 */
export async function predictFolder(
  folder: string,
  model: LoadedModel,
  columns: readonly PredictColumn[],
  write: (line: string) => void,
  skip: (path: string, reason: string) => void,
): Promise<number> {
  const scan = await scanFolder(folder);
  scan.problems.forEach(({ path, reason }) => skip(path, reason));
  write(['filename', ...columns.map((column) => column.name)].map(csvField).join(','));
  const photos = scan.photos.map((path, index) => ({ id: index + 1, path }));
  let rows = 0;
  for await (const batch of predictPhotos(model, photos, { batchSize: prelabelBatchSize })) {
    for (const outcome of batch) {
      if (!outcome.ok) {
        skip(outcome.path, outcome.reason);
        continue;
      }
      const name = relative(folder, outcome.path).split(sep).join('/');
      const values = columns.map((column) =>
        column.modelIndex === null ? '' : outcome.probabilities[column.modelIndex]!.toFixed(6),
      );
      write([csvField(name), ...values].join(','));
      rows += 1;
    }
  }
  return rows;
}
