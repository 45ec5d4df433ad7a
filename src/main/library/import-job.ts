// The import job: adds a folder's new photos (decoded, thumbnailed) and the labels a file gives them.
import { resolve } from 'node:path';
import type { ImportReport, Split } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { mapOrdered } from '../concurrency';
import { assertRoomForClasses, ensureClasses } from '../db/classes';
import type { Db } from '../db/connection';
import { countImagesOfJob, imagePathBySha, imagesUnder, insertImage, type NewImage } from '../db/images';
import { clearJobItem, getJob, jobItems, jobResult, recordJobItem, setJobResult } from '../db/jobs';
import { countLabelEventsOfJob, writeImportedLabels, type ImportedLabel } from '../db/labels';
import { setSplit } from '../db/splits';
import { writeTransaction } from '../db/transaction';
import { readLabelFileInWorker } from '../exchange/label-worker-client';
import { matchRecords, sampleSize } from '../exchange/match';
import type { ExchangeFile, ReadOptions } from '../exchange/records';
import type { JobContext } from '../jobs';
import type { Project } from '../project';
import { decodePhoto, readPhotoBytes, sha256, UnreadablePhoto } from './photo';
import { readableFolder, scanFolder } from './scan';
import { writeThumbnail } from './thumbnails';

export interface ImportConfig {
  folder: string;
  labelsFile?: string;
  /** A registered format's id, or 'auto': told by the file's content. */
  labelsFormat?: string;
  /** What a VOC class with only difficult objects is; unknown when absent. */
  vocDifficult?: ReadOptions['difficult'];
  /** The labels file of a job stored before formats (a labels.csv), read as labelsFile when resumed. */
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
  if (!config.labelsFile) return { folder };
  const labelsFile = resolve(config.labelsFile);
  const options = readOptions(config);
  const file = await readLabelFileInWorker(labelsFile, config.labelsFormat, options);
  assertRoomForClasses(db, file.classes);
  // The format found now is the one the job reads, so a run cannot detect differently.
  const prepared = { folder, labelsFile, labelsFormat: file.format, vocDifficult: options.difficult };
  checked = { config: JSON.stringify(prepared), file, at: Date.now() };
  return prepared;
}

/**
 * The file the request read to check it, handed on to the job it starts so that a large file (100,000
 * VOC annotations) is not read twice. One slot, taken by that job; a resumed job, or one that starts
 * later than `checkedForMs` after the check, reads the file again.
 */
let checked: { config: string; file: ExchangeFile; at: number } | null = null;
const checkedForMs = 10_000;

function takeChecked(config: ImportConfig): ExchangeFile | null {
  const slot = checked;
  if (!slot || slot.config !== JSON.stringify(config) || Date.now() - slot.at > checkedForMs) return null;
  checked = null;
  return slot.file;
}

const readOptions = (config: ImportConfig): ReadOptions => ({ difficult: config.vocDifficult ?? 'unknown' });

/**
 * Imports every photo under a folder. Idempotent: photos already in the project are passed over,
 * so resuming after a crash or running it again adds only what is new.
 */
export async function runImport(project: Project, config: ImportConfig, context: JobContext): Promise<void> {
  const { db } = project;
  const { jobId, signal } = context;
  const labelsFile = config.labelsFile ?? config.labelsCsv;
  const labels = labelsFile
    ? (takeChecked(config) ??
      (await readLabelFileInWorker(labelsFile, config.labelsFormat, readOptions(config))))
    : null;

  context.progress('scanning', 0, 0);
  const scan = await scanFolder(config.folder);
  const known = imagesUnder(db, config.folder);
  const todo = scan.photos.filter((path) => !known.has(path));
  const existing = [...known.values()].filter((image) => image.jobId !== jobId).length;
  const total = scan.photos.length;
  let done = total - todo.length;
  writeTransaction(db, () => {
    for (const problem of scan.problems) recordJobItem(db, jobId, problem.path, 'skipped', problem.reason);
    setJobResult(db, jobId, { found: total, existing, labels: null } satisfies ImportResult);
    context.progress('importing', done, total);
  });

  let batch: Outcome[] = [];
  const commit = () =>
    writeTransaction(db, () => {
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

  if (labels) await applyLabels(project, config.folder, labels, context);
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
 * Matches the file's records to the folder's photos, then writes their labels and splits in one
 * transaction: a file that fails anywhere leaves the project as it was. Progress says how many
 * labels are about to be written before the write, which holds the database for its length.
 */
async function applyLabels(
  project: Project,
  folder: string,
  file: ExchangeFile,
  { jobId, progress }: JobContext,
): Promise<void> {
  const { db } = project;
  const photos = new Map([...imagesUnder(db, folder)].map(([path, image]) => [path, image.id]));
  const { matched, unmatched } = matchRecords(file.records, folder, photos);
  let count = 0;
  for (const { record } of matched) for (const entry of record.classes.values()) if (entry.state) count += 1;
  progress('labels', 0, count);
  // Lets the progress event reach the clients before the write takes the thread.
  await new Promise((resolve) => setImmediate(resolve));
  writeTransaction(db, () => {
    const { ids, created } = ensureClasses(db, file.classes);
    const pending: ImportedLabel[] = [];
    const splits = new Map<Split, number[]>();
    for (const { imageId, record } of matched) {
      for (const [name, entry] of record.classes) {
        if (!entry.state) continue;
        pending.push({
          imageId,
          classId: ids.get(name)!,
          state: entry.state,
          ...(entry.source && { source: entry.source }),
        });
      }
      if (!record.split) continue;
      const inSplit = splits.get(record.split);
      if (inSplit) inSplit.push(imageId);
      else splits.set(record.split, [imageId]);
    }
    for (const [split, imageIds] of splits) setSplit(db, imageIds, split);
    const { humanKept } = writeImportedLabels(db, pending, jobId);
    const labels: ImportResult['labels'] = {
      format: file.format,
      classes: file.classes.length,
      classesCreated: created,
      photosLabelled: new Set(matched.map((match) => match.imageId)).size,
      humanLabelsKept: humanKept,
      unmatched: unmatched.length,
      unmatchedRows: unmatched.slice(0, sampleSize).map((record) => record.name),
      skipped: { count: file.skipped.length, examples: file.skipped.slice(0, sampleSize) },
    };
    setJobResult(db, jobId, { ...jobResult<ImportResult>(db, jobId)!, labels } satisfies ImportResult);
    progress('labels', count, count);
  });
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
