import { dirname, relative, sep } from 'node:path';
import { positiveClassesByImage } from '../db/images';
import { writeOutputFile } from '../guarded-write';
import type { Project } from '../project';
import { formatLabelsCsv } from './labels-csv';

/**
 * The project's labels as labels.csv: one row per photo with any label, filenames relative to the
 * folder that holds all the photos, so importing the file back matches every row.
 */
export async function exportLabelsCsv(
  project: Project,
  out: string,
): Promise<{ path: string; rows: number }> {
  const images = positiveClassesByImage(project.db).filter((image) => image.labelled);
  const root = commonFolder(images.map((image) => image.path));
  const rows = images.map((image) => ({
    filename: relative(root, image.path).split(sep).join('/'),
    classes: image.classes,
  }));
  await writeOutputFile(project.path, out, formatLabelsCsv(rows));
  return { path: out, rows: rows.length };
}

function commonFolder(paths: string[]): string {
  if (paths.length === 0) return '/';
  let common = dirname(paths[0]!);
  for (const path of paths) {
    while (!path.startsWith(common.endsWith(sep) ? common : common + sep)) common = dirname(common);
  }
  return common;
}
