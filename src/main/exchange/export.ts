import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import type { LabelSource, LabelState, Split } from '../../shared/contract';
import { plural } from '../../shared/plural';
import { ApiError } from '../../shared/rpc';
import { mapOrdered } from '../concurrency';
import type { Db } from '../db/connection';
import { guardOutputPath, writeOutputFile } from '../guarded-write';
import { describeFsError } from '../library/scan';
import type { Project } from '../project';
import { findFormat } from './formats';
import type { ExchangeFile, ExchangeFormat, ExchangeRecord, Loss } from './records';

export interface ExportRequest {
  format: string;
  out: string;
  split?: Split;
  predictions?: boolean;
}

export interface ExportOutcome {
  path: string;
  format: string;
  rows: number;
  /** What the format could not say, one sentence per kind of loss. */
  losses: string[];
}

export type ExportChoice = Omit<ExportRequest, 'out'>;

/** What an export would write and lose: the notice the CLI and the UI show before writing. */
export function previewExport(project: Project, choice: ExportChoice): { rows: number; losses: string[] } {
  const format = findFormat(choice.format, 'write');
  const data = projectLabels(project.db, choice);
  return { rows: data.records.length, losses: lossNotices(format, data, choice.predictions ?? false) };
}

/** Writes the project's labels in a registered format; `losses` says what the format could not. */
export async function exportLabels(project: Project, request: ExportRequest): Promise<ExportOutcome> {
  const format = findFormat(request.format, 'write');
  const data = projectLabels(project.db, request);
  const losses = lossNotices(format, data, request.predictions ?? false);
  const files = format.write!(data);
  if (format.layout === 'file') {
    // A file format's companions (Label Studio's labeling config) go beside the file.
    await writeOutputFile(project.path, request.out, files.get('')!);
    files.delete('');
    await writeFolder(project.path, dirname(request.out), files);
  } else {
    await writeFolder(project.path, request.out, files);
    if (format.photoPath) await copyPhotos(project.path, request.out, data, format.photoPath);
  }
  return { path: request.out, format: format.id, rows: data.records.length, losses };
}

/** Where under `out` a writer's file goes; one that would land outside is a bug, not a path. */
function inside(out: string, path: string): string {
  if (isAbsolute(path) || normalize(path).split(sep).includes('..'))
    throw new Error(`a writer named ${path}, outside its output folder`);
  return join(out, path);
}

async function makeFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true }).catch((error: unknown) => {
    throw new ApiError('io_error', `cannot write ${folder}: ${describeFsError(error)}`);
  });
}

async function writeFolder(
  projectPath: string,
  out: string,
  files: ReadonlyMap<string, string>,
): Promise<void> {
  await guardOutputPath(projectPath, out);
  for (const [path, text] of files) {
    const target = inside(out, path);
    await makeFolder(dirname(target));
    await writeOutputFile(projectPath, target, text);
  }
}

/** Copies each photo where a layout that holds its photos (imagefolder, FiftyOne) wants it. */
async function copyPhotos(
  projectPath: string,
  out: string,
  data: ProjectLabels,
  photoPath: (record: ExchangeRecord) => string,
): Promise<void> {
  // Each folder made once, the copies into it waiting on that.
  const folders = new Map<string, Promise<void>>();
  const copy = async (record: ExchangeRecord): Promise<void> => {
    const source = data.sourceOf.get(record)!;
    const target = inside(out, photoPath(record));
    const folder = dirname(target);
    if (!folders.has(folder)) folders.set(folder, makeFolder(folder));
    await folders.get(folder);
    await copyFile(source, await guardOutputPath(projectPath, target)).catch((error: unknown) => {
      throw new ApiError('io_error', `cannot copy ${source} to ${target}: ${describeFsError(error)}`);
    });
  };
  // Several copies in flight: each waits mostly on the disk and on the guard's path lookups.
  for await (const _ of mapOrdered(data.records, copiesInFlight, copy));
}

const copiesInFlight = 16;

/**
 * The project's labels as an exchange file: every photo with a label or a split, or with the
 * probabilities asked for a score (class_scores holds the active version's only), of one split when
 * asked, named by its path relative to the folder holding all the project's photos, so importing
 * the file over that folder matches every record.
 */
export interface ProjectLabels extends ExchangeFile {
  /** Each record's photo file, for layouts that copy the photos. */
  sourceOf: Map<ExchangeRecord, string>;
}

export function projectLabels(db: Db, request: Pick<ExportRequest, 'split' | 'predictions'>): ProjectLabels {
  const classes = db
    .prepare('SELECT id, name FROM classes WHERE deleted_at IS NULL ORDER BY position, id')
    .all() as { id: number; name: string }[];
  const nameOf = new Map(classes.map((item) => [item.id, item.name]));
  const paths = db.prepare('SELECT path FROM images').pluck().all() as string[];
  const root = commonFolder(paths);
  const photos = db
    .prepare(
      `SELECT id, path, sha256, split, width, height FROM images i
        WHERE (split <> 'none' OR EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id)
               OR @predictions AND EXISTS (SELECT 1 FROM class_scores s WHERE s.image_id = i.id))
          AND (@split IS NULL OR split = @split)
        ORDER BY path`,
    )
    .all({ split: request.split ?? null, predictions: request.predictions ? 1 : 0 }) as (Pick<
    ExchangeRecord,
    'width' | 'height'
  > & {
    id: number;
    path: string;
    sha256: string;
    split: Split;
  })[];
  const byId = new Map<number, ExchangeRecord>();
  const sourceOf = new Map<ExchangeRecord, string>();
  const records = photos.map((photo) => {
    const record: ExchangeRecord = {
      name: relative(root, photo.path).split(sep).join('/'),
      sha256: photo.sha256,
      split: photo.split,
      width: photo.width,
      height: photo.height,
      classes: new Map(),
      at: `image id ${photo.id}`,
    };
    byId.set(photo.id, record);
    sourceOf.set(record, photo.path);
    return record;
  });
  const labels = db.prepare('SELECT image_id, class_id, state, source FROM labels').raw().all() as [
    number,
    number,
    LabelState,
    LabelSource,
  ][];
  for (const [imageId, classId, state, source] of labels) {
    const name = nameOf.get(classId);
    if (name !== undefined) byId.get(imageId)?.classes.set(name, { state, source });
  }
  if (request.predictions) {
    const scores = db
      .prepare(
        `SELECT image_id, class_id, probability FROM class_scores
          WHERE model_id = (SELECT id FROM models WHERE active = 1)`,
      )
      .raw()
      .all() as [number, number, number][];
    for (const [imageId, classId, score] of scores) {
      const name = nameOf.get(classId);
      const record = byId.get(imageId);
      if (name === undefined || !record) continue;
      record.classes.set(name, { ...record.classes.get(name), score });
    }
  }
  return { format: 'project', classes: classes.map((item) => item.name), records, skipped: [], sourceOf };
}

/** One sentence per kind of loss that the data would really suffer in this format. */
export function lossNotices(format: ExchangeFormat, data: ExchangeFile, predictions: boolean): string[] {
  const entries = data.records.flatMap((record) => data.classes.map((name) => record.classes.get(name)));
  const tally = (loss: Loss): number => {
    switch (loss) {
      case 'unknown':
        return entries.filter((entry) => !entry?.state).length;
      case 'negatives':
        return entries.filter((entry) => entry?.state === 'negative').length;
      case 'sources':
        return entries.filter((entry) => entry?.state && entry.source !== 'imported').length;
      case 'scores':
        return predictions ? entries.filter((entry) => entry?.score !== undefined).length : 0;
      case 'splits':
        return data.records.filter((record) => record.split && record.split !== 'none').length;
      case 'unsplit':
        return data.records.filter((record) => !record.split || record.split === 'none').length;
    }
  };
  const say: Record<Loss, (n: number) => string> = {
    unknown: (n) =>
      `this format cannot say unknown: ${plural(n, 'unknown label')} will be written as negative`,
    negatives: (n) =>
      `this format cannot say negative: ${plural(n, 'negative label')} will be left out (read back as absent)`,
    sources: (n) =>
      `this format cannot say who labelled: ${plural(n, 'label')} set or accepted by a person will read back as imported`,
    scores: (n) =>
      `this format cannot carry scores: ${plural(n, 'probability', 'probabilities')} will be left out`,
    splits: (n) => `this format cannot say splits: the split of ${plural(n, 'photo')} will be left out`,
    unsplit: (n) =>
      `this format has no place for photos without a split: ${plural(n, 'photo')} without one will go to train`,
  };
  return format.loses.flatMap((loss) => {
    const n = tally(loss);
    return n > 0 ? [say[loss](n)] : [];
  });
}

function commonFolder(paths: string[]): string {
  if (paths.length === 0) return '/';
  let common = dirname(paths[0]!);
  for (const path of paths) {
    while (!path.startsWith(common.endsWith(sep) ? common : common + sep)) common = dirname(common);
  }
  return common;
}
