// A model's predictions of each photo: its class scores, their uncertainty and the class maps.
import { predictionIndexer, syncClassScores, type ScoredClass } from './class-scores';
import { now, type Db } from './connection';

export interface NewPrediction {
  imageId: number;
  /** One probability per model class, in the model's class order. */
  scores: Float32Array;
  maps: Buffer;
}

const toBlob = (scores: Float32Array) => Buffer.from(scores.buffer, scores.byteOffset, scores.byteLength);
const fromBlob = (blob: Buffer) =>
  new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));

/** Photos the model has not predicted yet, in id order. */
/** Photos without a prediction by the model; `since` (a run again): made before it counts as none. */
export function imagesToPredict(
  db: Db,
  modelId: number,
  since = '',
): { id: number; path: string; sha256: string }[] {
  return db
    .prepare(
      `SELECT id, path, sha256 FROM images i
        WHERE NOT EXISTS (SELECT 1 FROM predictions p
                           WHERE p.image_id = i.id AND p.model_id = ? AND p.created_at >= ?)
        ORDER BY id`,
    )
    .all(modelId, since) as { id: number; path: string; sha256: string }[];
}

export function countImagesToPredict(db: Db, modelId: number): number {
  return (
    db
      .prepare(
        `SELECT count(*) AS n FROM images i
          WHERE NOT EXISTS (SELECT 1 FROM predictions p WHERE p.image_id = i.id AND p.model_id = ?)`,
      )
      .get(modelId) as { n: number }
  ).n;
}

/**
 * `mapping`: the project classes the model predicts, over which uncertainty is measured and which
 * the probability index holds when the model is the active one.
 */
export function insertPredictions(
  db: Db,
  modelId: number,
  predictions: readonly NewPrediction[],
  mapping: readonly ScoredClass[],
): void {
  const active = db.prepare('SELECT active FROM models WHERE id = ?').pluck().get(modelId) === 1;
  if (active) syncClassScores(db, modelId, mapping);
  const insert = db.prepare(
    `INSERT OR REPLACE INTO predictions (image_id, model_id, scores, uncertainty, created_at)
     VALUES (@imageId, @modelId, @scores, uncertainty(@scores, @indices), @at)`,
  );
  const insertMaps = db.prepare(
    'INSERT OR REPLACE INTO prediction_maps (image_id, model_id, maps) VALUES (@imageId, @modelId, @maps)',
  );
  const index = predictionIndexer(db, modelId);
  const at = now();
  const indices = JSON.stringify(mapping.map((entry) => entry.modelIndex));
  for (const { imageId, scores, maps } of predictions) {
    const blob = toBlob(scores);
    insert.run({ imageId, modelId, scores: blob, indices, at });
    insertMaps.run({ imageId, modelId, maps });
    index(imageId, blob);
  }
}

/** Measures uncertainty again over the project's classes, after the class list changed. */
export function refreshUncertainty(db: Db, modelId: number, classIndices: readonly number[]): void {
  db.prepare('UPDATE predictions SET uncertainty = uncertainty(scores, ?) WHERE model_id = ?').run(
    JSON.stringify(classIndices),
    modelId,
  );
}

export function predictionScores(
  db: Db,
  modelId: number,
  imageIds: readonly number[],
): Map<number, Float32Array> {
  const rows = db
    .prepare(
      // CROSS JOIN keeps the ids outside: the planner otherwise walks every prediction of the
      // model by predictions_by_uncertainty and scans the ids for each (60 ms a grid page, not 1).
      `SELECT p.image_id AS imageId, p.scores FROM json_each(?) AS ids
         CROSS JOIN predictions p ON p.image_id = ids.value AND p.model_id = ?`,
    )
    .all(JSON.stringify(imageIds), modelId) as { imageId: number; scores: Buffer }[];
  return new Map(rows.map((row) => [row.imageId, fromBlob(row.scores)]));
}

/** Every prediction of a model, for evaluation. */
export function allPredictionScores(db: Db, modelId: number): Map<number, Float32Array> {
  const rows = db
    .prepare('SELECT image_id AS imageId, scores FROM predictions WHERE model_id = ?')
    .all(modelId) as {
    imageId: number;
    scores: Buffer;
  }[];
  return new Map(rows.map((row) => [row.imageId, fromBlob(row.scores)]));
}

export function predictionMaps(db: Db, modelId: number, imageId: number): Buffer | undefined {
  const row = db
    .prepare('SELECT maps FROM prediction_maps WHERE image_id = ? AND model_id = ?')
    .get(imageId, modelId) as { maps: Buffer } | undefined;
  return row?.maps ?? undefined;
}

export function countPredictions(db: Db, modelId: number): number {
  return (
    db.prepare('SELECT count(*) AS n FROM predictions WHERE model_id = ?').get(modelId) as { n: number }
  ).n;
}
