import { basename, relative, resolve, sep } from 'node:path';
import type { ImportReport } from '../../shared/contract';
import { ApiError } from '../../shared/rpc';
import { mapOrdered } from '../concurrency';
import { assertRoomForClasses, ensureClasses } from '../db/classes';
import type { Db } from '../db/connection';
import { countImagesOfJob, imagePathBySha, imagesUnder, insertImage, type NewImage } from '../db/images';
import { clearJobItem, getJob, jobItems, jobResult, recordJobItem, setJobResult } from '../db/jobs';
import { countLabelEventsOfJob, writeImportedLabels, type ImportedLabel } from '../db/labels';
import { readLabelsCsv, type LabelsCsv } from '../exchange/labels-csv';
import type { JobContext } from '../jobs';
import type { Project } from '../project';
import { decodePhoto, readPhotoBytes, sha256, UnreadablePhoto } from './photo';
import { readableFolder, scanFolder } from './scan';
import { writeThumbnail } from './thumbnails';

export interface ImportConfig {
  folder: string;
  labelsCsv?: string;
}

type Outcome =
  | { kind: 'photo'; image: NewImage }
  | { kind: 'duplicate'; path: string; of: string }
  | { kind: 'skipped'; path: string; reason: string };

/** What the report needs that the database cannot recount: stored on the job row as it runs. */
interface ImportResult {
  found: number;
  existing: number;
  labels: Omit<NonNullable<ImportReport['labels']>, 'labelsWritten'> | null;
}

// Enough decodes in flight to keep libuv's thread pool (4 threads by default) full.
const decodeWindow = 8;
const batchSize = 32;

/**
 * Checks what can be checked before a job exists, so a bad folder or CSV, or one with more classes
 * than the project has room for, fails the request itself.
 */
export async function prepareImport(db: Db, config: ImportConfig): Promise<ImportConfig> {
  const folder = await readableFolder(config.folder);
  if (!config.labelsCsv) return { folder };
  const labelsCsv = resolve(config.labelsCsv);
  assertRoomForClasses(db, (await readLabelsCsv(labelsCsv)).classes);
  return { folder, labelsCsv };
}

/**
 * Imports every photo under a folder. Idempotent: photos already in the project are passed over,
 * so resuming after a crash or running it again adds only what is new.
 */
export async function runImport(project: Project, config: ImportConfig, context: JobContext): Promise<void> {
  const { db } = project;
  const { jobId, signal } = context;
  const labels = config.labelsCsv ? await readLabelsCsv(config.labelsCsv) : null;

  context.progress('scanning', 0, 0);
  const scan = await scanFolder(config.folder);
  const known = imagesUnder(db, config.folder);
  const todo = scan.photos.filter((path) => !known.has(path));
  const existing = [...known.values()].filter((image) => image.jobId !== jobId).length;
  const total = scan.photos.length;
  let done = total - todo.length;
  db.transaction(() => {
    for (const problem of scan.problems) recordJobItem(db, jobId, problem.path, 'skipped', problem.reason);
    setJobResult(db, jobId, { found: total, existing, labels: null } satisfies ImportResult);
    context.progress('importing', done, total);
  })();

  let batch: Outcome[] = [];
  const commit = db.transaction(() => {
    for (const outcome of batch) {
      if (outcome.kind === 'photo') {
        // A copy may have been committed since it was hashed, earlier in this very batch even.
        const original = imagePathBySha(db, outcome.image.sha256);
        if (original) recordJobItem(db, jobId, outcome.image.path, 'duplicate', original);
        else {
          insertImage(db, outcome.image, jobId);
          clearJobItem(db, jobId, outcome.image.path);
        }
      } else if (outcome.kind === 'duplicate')
        recordJobItem(db, jobId, outcome.path, 'duplicate', outcome.of);
      else recordJobItem(db, jobId, outcome.path, 'skipped', outcome.reason);
    }
    done += batch.length;
    context.progress('importing', done, total);
  });

  for await (const outcome of mapOrdered(todo, decodeWindow, (path) => examine(project, path))) {
    batch.push(outcome);
    if (batch.length >= batchSize) {
      commit();
      batch = [];
      if (signal.aborted) return;
    }
  }
  commit();
  batch = [];
  if (signal.aborted) return;

  if (labels) {
    context.progress('labels', done, total);
    const outcome = applyLabels(project, config.folder, labels, jobId);
    const result = jobResult<ImportResult>(db, jobId)!;
    setJobResult(db, jobId, { ...result, labels: outcome } satisfies ImportResult);
  }
}

async function examine(project: Project, path: string): Promise<Outcome> {
  try {
    const { bytes, modifiedAt } = await readPhotoBytes(path);
    const hash = sha256(bytes);
    const original = imagePathBySha(project.db, hash);
    if (original) return { kind: 'duplicate', path, of: original };
    const photo = await decodePhoto(bytes);
    await writeThumbnail(project.path, hash, photo.thumbnail);
    const { thumbnail: _, ...size } = photo;
    return { kind: 'photo', image: { path, modifiedAt, sha256: hash, bytes: bytes.length, ...size } };
  } catch (error) {
    if (error instanceof UnreadablePhoto) return { kind: 'skipped', path, reason: error.message };
    throw error;
  }
}

/**
 * Matches CSV rows to the folder's photos by path relative to the folder, or by file name where
 * that is unique, then writes their labels in one transaction.
 */
function applyLabels(
  project: Project,
  folder: string,
  csv: LabelsCsv,
  jobId: number,
): ImportResult['labels'] {
  const { db } = project;
  const byRelative = new Map<string, number>();
  const byName = new Map<string, number | null>();
  for (const [path, image] of imagesUnder(db, folder)) {
    byRelative.set(relative(folder, path).split(sep).join('/'), image.id);
    const name = basename(path);
    byName.set(name, byName.has(name) ? null : image.id);
  }
  const { ids } = ensureClasses(db, csv.classes);
  const pending: ImportedLabel[] = [];
  const unmatchedRows: string[] = [];
  let photosLabelled = 0;
  for (const row of csv.rows) {
    const imageId = byRelative.get(row.filename) ?? byName.get(row.filename);
    if (!imageId) {
      unmatchedRows.push(row.filename);
      continue;
    }
    photosLabelled += 1;
    const positive = new Set(row.classes);
    for (const [name, classId] of ids) {
      pending.push({ imageId, classId, state: positive.has(name) ? 'positive' : 'negative' });
    }
  }
  const { humanKept } = writeImportedLabels(db, pending, jobId);
  return { classes: csv.classes.length, photosLabelled, humanLabelsKept: humanKept, unmatchedRows };
}

export function importReport(project: Project, jobId: number): ImportReport {
  const { db } = project;
  const job = getJob(db, jobId);
  if (!job || job.kind !== 'import') throw new ApiError('not_found', `no import job ${jobId}`);
  const result = jobResult<ImportResult>(db, jobId) ?? { found: 0, existing: 0, labels: null };
  return {
    jobId,
    status: job.status,
    found: result.found,
    added: countImagesOfJob(db, jobId),
    existing: result.existing,
    duplicates: jobItems(db, jobId, 'duplicate').map(({ item, detail }) => ({
      path: item,
      duplicateOf: detail,
    })),
    skipped: jobItems(db, jobId, 'skipped').map(({ item, detail }) => ({ path: item, reason: detail })),
    labels: result.labels && { ...result.labels, labelsWritten: countLabelEventsOfJob(db, jobId) },
  };
}
