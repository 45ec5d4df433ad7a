// Exporting the project's labels in any registered format, and where an export may be written.
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { LabelSource, LabelState, Split } from '$shared/contract';
import { plural } from '$shared/plural';
import { ApiError } from '$shared/rpc';
import type { Db } from '../db/connection';
import { guardOutputPath, realPathOf, writeNewFiles } from '../guarded-write';
import type { Project } from '../project';
import { writeExportFolder, type FolderContent } from './export-folder';
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
  if (format.layout === 'file') await writeFileExport(project, format, request.out, files);
  else await writeFolderExport(project, format, request.out, { files, copies: photoCopies(format, data) });
  return { path: request.out, format: format.id, rows: data.records.length, losses };
}

/** A single-file format's text, for a caller that writes it itself (the CLI's `--out -`). */
export function exportText(
  project: Project,
  choice: ExportChoice,
): Omit<ExportOutcome, 'path'> & { text: string } {
  const format = findFormat(choice.format, 'write');
  if (format.layout === 'folder')
    throw new ApiError('bad_input', `${format.id} writes a folder, not one file: export it to a folder`);
  const data = projectLabels(project.db, choice);
  const files = format.write!(data);
  const companions = [...files.keys()].filter(Boolean);
  if (companions.length > 0)
    throw new ApiError(
      'bad_input',
      `${format.id} writes ${companions.join(', ')} beside its file, not one file: export it to a file`,
    );
  const losses = lossNotices(format, data, choice.predictions ?? false);
  return { text: files.get('')!, format: format.id, rows: data.records.length, losses };
}

/**
 * A file format's file at `out` and its companions (Label Studio's labeling config) beside it, all
 * named before any is written: two may not share a path, and none may be there already.
 */
async function writeFileExport(
  project: Project,
  format: ExchangeFormat,
  out: string,
  files: ReadonlyMap<string, string>,
): Promise<void> {
  const targets = new Map<string, string>();
  for (const [name, text] of files) {
    const target = name === '' ? resolve(out) : join(dirname(resolve(out)), name);
    if (targets.has(target))
      throw new ApiError(
        'bad_input',
        `${format.id} writes its ${name} beside the file, at ${out} itself; give the file another name`,
      );
    targets.set(target, text);
  }
  for (const target of targets.keys())
    await refuseCollectionFolders(project, target, await guardOutputPath(project.path, target));
  await writeNewFiles(project.path, targets);
}

async function writeFolderExport(
  project: Project,
  format: ExchangeFormat,
  out: string,
  content: FolderContent,
): Promise<void> {
  const real = await guardOutputPath(project.path, out);
  await refuseCollectionFolders(project, out, real);
  await writeExportFolder(real, { project: await realPathOf(project.path), format: format.id }, content);
}

/** Where a layout that holds its photos (imagefolder, FiftyOne) puts each one, and its file. */
function photoCopies(format: ExchangeFormat, data: ProjectLabels): Map<string, string> {
  if (!format.photoPath) return new Map();
  return new Map(data.records.map((record) => [format.photoPath!(record), data.sourceOf.get(record)!]));
}

/**
 * Refuses an output inside the collection's folders, or holding one: there it could land on a
 * photo, and a later import of the folder would take the export for new photos. The collection's
 * folders are the folders imported and each photo's own, seen as written and through any link.
 * `real` is where the output lands, `target` the path asked.
 */
async function refuseCollectionFolders(project: Project, target: string, real: string): Promise<void> {
  for (const folder of collectionFolders(project.db)) {
    for (const seen of new Set([folder, await realPathOf(folder).catch(() => folder)])) {
      const refuse = (how: string) => {
        // Named once when asked by the folder's own path; a link or a nesting names both.
        const where = how === 'is' && target === folder ? how : `${how} ${folder},`;
        return new ApiError(
          'conflict',
          `${target} ${where} a folder of the project's photos; export elsewhere`,
        );
      };
      if (real === seen) throw refuse('is');
      if (real.startsWith(seen + sep)) throw refuse('is inside');
      if (seen.startsWith(real + sep)) throw refuse('holds');
    }
  }
}

function collectionFolders(db: Db): string[] {
  const imported = db
    .prepare(`SELECT DISTINCT json_extract(config, '$.folder') FROM jobs WHERE kind = 'import'`)
    .pluck()
    .all() as (string | null)[];
  const photoFolders = (db.prepare('SELECT path FROM images').pluck().all() as string[]).map((path) =>
    dirname(path),
  );
  return [...new Set([...imported.filter((folder) => folder !== null), ...photoFolders])];
}

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
