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

/** Files that got no row, grouped by why, the largest group first; `example` is one of its paths. */
export type SkippedFiles = { reason: string; count: number; example?: string }[];

/**
 * Writes the header, then one row per readable photo in path order. Photos that cannot be decoded,
 * unreadable folders and files not named like photos get no row: they are counted by reason.
 */
export async function predictFolder(
  folder: string,
  model: LoadedModel,
  columns: readonly PredictColumn[],
  write: (line: string) => void,
): Promise<{ predicted: number; skipped: SkippedFiles }> {
  const scan = await scanFolder(folder);
  const skipped = new Map<string, { count: number; example?: string }>();
  const skip = (reason: string, path: string) => {
    const group = skipped.get(reason);
    if (group) group.count += 1;
    else skipped.set(reason, { count: 1, example: path });
  };
  scan.problems.forEach(({ path, reason }) => skip(reason, path));
  if (scan.otherFiles > 0) skipped.set('not named like a photo (.jpg, .png, …)', { count: scan.otherFiles });
  write(['filename', ...columns.map((column) => column.name)].map(csvField).join(','));
  const photos = scan.photos.map((path, index) => ({ id: index + 1, path }));
  let predicted = 0;
  for await (const batch of predictPhotos(model, photos, { batchSize: prelabelBatchSize })) {
    for (const outcome of batch) {
      if (!outcome.ok) {
        skip(outcome.reason, outcome.path);
        continue;
      }
      const name = relative(folder, outcome.path).split(sep).join('/');
      const values = columns.map((column) =>
        column.modelIndex === null ? '' : outcome.probabilities[column.modelIndex]!.toFixed(6),
      );
      write([csvField(name), ...values].join(','));
      predicted += 1;
    }
  }
  const groups = [...skipped].map(([reason, group]) => ({ reason, ...group }));
  return { predicted, skipped: groups.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)) };
}
