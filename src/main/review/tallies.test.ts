// The review queues' totals come from tallies kept beside the probability index (review-tallies.ts):
// each spec changes the project the ways that move them and checks every total, and every queue
// in full, against a count over every prediction and label.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { imageRecord } from '../../../test/fixtures/image-record';
import { tempDir } from '../../../test/fixtures/workspace';
import { createClient, type Api } from '$shared/rpc';
import { createStudio, type Studio } from '../api';
import { syncClassScores } from '../db/class-scores';
import { ensureClasses } from '../db/classes';
import { openDatabase, type Db } from '../db/connection';
import { migrations } from '../db/migrations';
import { insertImage } from '../db/images';
import { createJob } from '../db/jobs';
import { writeImportedLabels, type ImportedLabel } from '../db/labels';
import { ensurePackModel, setActiveModel } from '../db/models';
import { insertPredictions } from '../db/predictions';
import { dropUnusedScores, indexNextPhotos, switchActiveVersion } from '../db/version-switch';

const studios: Studio[] = [];
afterEach(async () => {
  await Promise.all(studios.splice(0).map((studio) => studio.close()));
});

/** Probabilities spread over [0, 1) by photo and output, a few exactly at 0.5 (ties at the threshold). */
const scoresOf = (imageId: number, outputs: number, salt: number) =>
  new Float32Array(outputs).map((_, c) => ((imageId * 37 + c * 11 + salt * 7) % 20) / 20);

/**
 * 60 photos, classes person, dog, cat, car (COCO names) and animal (none); the pack predicts
 * person, dog, cat for the first 50 photos; labels imported for every other photo (some positive,
 * some negative), so some are disputed, and some photos have none.
 */
async function project(): Promise<{ api: Api; studio: Studio; db: Db; classIds: Map<string, number> }> {
  const path = join(await tempDir(), 'p.sqlite');
  const db = openDatabase(path, { create: true });
  const job = createJob(db, 'import', {});
  const { ids } = ensureClasses(db, ['person', 'dog', 'cat', 'car', 'animal']);
  const photos = Array.from({ length: 60 }, (_, i) => insertImage(db, imageRecord(`p${i}`), job.id));
  const pack = ensurePackModel(db, { name: 'pack', version: '1', classes: ['person', 'dog', 'cat', 'bird'] });
  const mapping = ['person', 'dog', 'cat'].map((name, modelIndex) => ({
    classId: ids.get(name)!,
    modelIndex,
  }));
  insertPredictions(
    db,
    pack.id,
    photos
      .slice(0, 50)
      .map((imageId) => ({ imageId, scores: scoresOf(imageId, 4, 0), maps: Buffer.alloc(8) })),
    mapping,
  );
  const labels: ImportedLabel[] = photos
    .filter((_, i) => i % 2 === 0)
    .flatMap((imageId) =>
      ['person', 'dog', 'car', 'animal'].map((name, c) => ({
        imageId,
        classId: ids.get(name)!,
        state: (imageId + c) % 3 === 0 ? ('positive' as const) : ('negative' as const),
      })),
    );
  writeImportedLabels(db, labels, job.id);
  db.close();
  const studio = createStudio();
  studios.push(studio);
  const api = createClient(studio);
  await api.openProject({ path });
  return { api, studio, db: studio.project!.db, classIds: ids };
}

type Queue = 'disputed' | 'uncertain' | 'next';

/** Each queue's (photo, class) keys, counted the slow way: every prediction of the active version. */
function bruteForce(db: Db): Record<Queue, string[]> {
  const pairs = (sql: string) =>
    (db.prepare(sql).raw().all() as [number, number | null][])
      .map(([imageId, classId]) => `${imageId}:${classId}`)
      .sort();
  const scored = `predictions p JOIN models m ON m.id = p.model_id AND m.active = 1
    JOIN class_score_sources src ON src.model_id = m.id
    JOIN class_threshold_in_use u ON u.class_id = src.class_id`;
  return {
    disputed: pairs(
      `SELECT p.image_id, src.class_id FROM ${scored}
         JOIN labels l ON l.image_id = p.image_id AND l.class_id = src.class_id
        WHERE l.source IN ('human', 'imported') AND l.reviewed_model_id IS NOT m.id
          AND CASE l.state WHEN 'positive' THEN prob(p.scores, src.model_index) < u.threshold
                           ELSE prob(p.scores, src.model_index) >= u.threshold END`,
    ),
    uncertain: pairs(
      `SELECT p.image_id, src.class_id FROM ${scored}
        WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = p.image_id AND l.class_id = src.class_id)`,
    ),
    next: pairs(
      `SELECT p.image_id, NULL FROM predictions p JOIN models m ON m.id = p.model_id AND m.active = 1
        WHERE p.uncertainty IS NOT NULL AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = p.image_id)`,
    ),
  };
}

/** Every queue, read whole and counted, is what the slow count finds. */
async function expectQueuesAsBruteForce(api: Api, db: Db): Promise<void> {
  const expected = bruteForce(db);
  const counts = await api.reviewCounts({});
  for (const queue of ['disputed', 'uncertain', 'next'] as const) {
    const { total, items } = await api.listReviewQueue({ queue, limit: 500 });
    expect(total, queue).toBe(expected[queue].length);
    expect(counts[queue], queue).toBe(expected[queue].length);
    expect(items.map((item) => `${item.imageId}:${item.classId}`).sort(), queue).toEqual(expected[queue]);
    // A short page is the whole queue's first items, ties at its cut included (the probabilities tie often).
    for (const limit of [1, 3, 7])
      expect((await api.listReviewQueue({ queue, limit })).items, `${queue} ${limit}`).toEqual(
        items.slice(0, limit),
      );
  }
}

describe('the review queues’ totals', () => {
  it('are what a count over every prediction finds, through label changes and their undo', async () => {
    const { api, db, classIds } = await project();
    const [person, dog, cat, car] = ['person', 'dog', 'cat', 'car'].map((name) => classIds.get(name)!);
    expect(bruteForce(db).disputed.length).toBeGreaterThan(0);
    await expectQueuesAsBruteForce(api, db);
    // Flipped, set on unknown classes, made unknown, on photos with and without predictions.
    await api.setLabels({
      changes: [
        { imageId: 1, classId: person!, state: 'positive' },
        { imageId: 1, classId: dog!, state: 'negative' },
        { imageId: 2, classId: cat!, state: 'positive' },
        { imageId: 3, classId: person!, state: null },
        { imageId: 4, classId: car!, state: 'positive' },
        { imageId: 55, classId: person!, state: 'positive' },
      ],
    });
    await expectQueuesAsBruteForce(api, db);
    // A photo's last label gone: it is back in the next queue.
    const photo3 = db.prepare('SELECT class_id FROM labels WHERE image_id = 3').pluck().all() as number[];
    await api.setLabels({ changes: photo3.map((classId) => ({ imageId: 3, classId, state: null })) });
    await expectQueuesAsBruteForce(api, db);
    await api.acceptPredictions({ imageIds: [5, 7, 9] });
    await expectQueuesAsBruteForce(api, db);
    for (let i = 0; i < 4; i += 1) await api.undo({});
    await expectQueuesAsBruteForce(api, db);
    await api.redo({});
    await expectQueuesAsBruteForce(api, db);
    // A merge moves labels from one class to another and deletes the first.
    await api.mergeClasses({ from: dog!, into: cat! });
    await expectQueuesAsBruteForce(api, db);
  });

  it('follow the threshold in use: hand-set or tuned for the active version', async () => {
    const { api, db, classIds } = await project();
    const person = classIds.get('person')!;
    await expectQueuesAsBruteForce(api, db);
    await api.updateClass({ classId: person, threshold: 0.3 });
    await expectQueuesAsBruteForce(api, db);
    const active = db.prepare('SELECT id FROM models WHERE active = 1').pluck().get() as number;
    db.prepare(
      `INSERT INTO class_thresholds (model_id, class_id, threshold, rule, val_labels, tuned_at)
       VALUES (?, ?, 0.7, 'f1', 10, 'now')`,
    ).run(active, person);
    await api.useThresholds({ source: 'tuned' });
    await expectQueuesAsBruteForce(api, db);
    db.prepare('UPDATE class_thresholds SET threshold = 0.5 WHERE class_id = ?').run(person);
    await expectQueuesAsBruteForce(api, db);
    await api.useThresholds({ source: 'manual' });
    await expectQueuesAsBruteForce(api, db);
  });

  it('follow new predictions and the version activated', async () => {
    const { api, db, classIds } = await project();
    const [person, dog, cat, car] = ['person', 'dog', 'cat', 'car'].map((name) => classIds.get(name)!);
    const pack = db.prepare('SELECT id FROM models WHERE active = 1').pluck().get() as number;
    await expectQueuesAsBruteForce(api, db);
    // New photos predicted, and some predicted again with other probabilities.
    const mapping = [person!, dog!, cat!].map((classId, modelIndex) => ({ classId, modelIndex }));
    const predict = (modelId: number, ids: number[], outputs: number, salt: number, map = mapping) =>
      db.transaction(() =>
        insertPredictions(
          db,
          modelId,
          ids.map((imageId) => ({
            imageId,
            scores: scoresOf(imageId, outputs, salt),
            maps: Buffer.alloc(8),
          })),
          map,
        ),
      )();
    predict(pack, [1, 2, 3, 4, 51, 52, 53, 54], 4, 3);
    await expectQueuesAsBruteForce(api, db);
    // Another version, predicting car too and cat no longer, made the active one.
    const other = ensurePackModel(db, { name: 'other', version: '1', classes: ['car', 'dog', 'person'] });
    const otherMapping = [car!, dog!, person!].map((classId, modelIndex) => ({ classId, modelIndex }));
    predict(
      other.id,
      Array.from({ length: 40 }, (_, i) => i + 1),
      3,
      5,
      otherMapping,
    );
    setActiveModel(db, other.id);
    syncClassScores(db, other.id, otherMapping);
    await expectQueuesAsBruteForce(api, db);
    predict(other.id, [41, 42, 60], 3, 6, otherMapping);
    await api.setLabels({ changes: [{ imageId: 41, classId: car!, state: 'negative' }] });
    await expectQueuesAsBruteForce(api, db);
    // Back to the first version.
    setActiveModel(db, pack);
    syncClassScores(db, pack, mapping);
    await expectQueuesAsBruteForce(api, db);
  });
});

describe('a version switch', () => {
  it('keeps the active version’s totals while the next one’s are built a chunk at a time, then takes over', async () => {
    const { api, db, classIds } = await project();
    const [person, dog, cat, car] = ['person', 'dog', 'cat', 'car'].map((name) => classIds.get(name)!);
    const old = db.prepare('SELECT id FROM models WHERE active = 1').pluck().get() as number;
    const next = ensurePackModel(db, { name: 'next', version: '1', classes: ['car', 'dog', 'person'] });
    const mapping = [car!, dog!, person!].map((classId, modelIndex) => ({ classId, modelIndex }));
    // The next version has a tuned threshold for person, the class set to use tuned ones.
    db.prepare(
      `INSERT INTO class_thresholds (model_id, class_id, threshold, rule, val_labels, tuned_at)
       VALUES (?, ?, 0.35, 'f1', 10, 'now')`,
    ).run(next.id, person);
    db.prepare("UPDATE classes SET threshold_source = 'tuned' WHERE id = ?").run(person);
    db.transaction(() =>
      insertPredictions(
        db,
        next.id,
        Array.from({ length: 55 }, (_, i) => ({
          imageId: i + 1,
          scores: scoresOf(i + 1, 3, 9),
          maps: Buffer.alloc(8),
        })),
        mapping,
      ),
    )();
    const before = await api.reviewCounts({});
    let after = 0;
    for (let chunk = 0; ; chunk += 1) {
      const indexed = db.transaction(() => indexNextPhotos(db, next.id, mapping, after, 7))();
      if (indexed === null) break;
      after = indexed.last;
      // Labels change between chunks, on photos indexed and photos not yet indexed.
      await api.setLabels({
        changes: [
          { imageId: 2 + chunk * 6, classId: car!, state: chunk % 2 ? 'positive' : 'negative' },
          { imageId: 5 + chunk * 3, classId: person!, state: 'positive' },
          { imageId: 50 - chunk, classId: dog!, state: null },
        ],
      });
      // The active version serves the queues throughout.
      await expectQueuesAsBruteForce(api, db);
    }
    expect(after).toBe(55);
    expect((await api.reviewCounts({})).uncertain).not.toBe(0);
    expect(before.disputed).toBeGreaterThan(0);

    let unused = db.transaction(() => switchActiveVersion(db, next.id, mapping))();
    expect(db.prepare('SELECT id FROM models WHERE active = 1').pluck().all()).toEqual([next.id]);
    expect(unused).toEqual(expect.arrayContaining([{ modelId: old, classId: cat }]));
    // The tallies the switch built are those a count from scratch finds.
    const built = db.prepare('SELECT * FROM review_tallies ORDER BY class_id').all();
    await expectQueuesAsBruteForce(api, db);
    db.prepare('DELETE FROM review_tallies').run();
    await expectQueuesAsBruteForce(api, db);
    expect(db.prepare('SELECT * FROM review_tallies ORDER BY class_id').all()).toEqual(built);
    while (unused.length > 0) unused = db.transaction(() => dropUnusedScores(db, unused, 10))();
    expect(db.prepare('SELECT DISTINCT model_id FROM class_scores').pluck().all()).toEqual([next.id]);
    await expectQueuesAsBruteForce(api, db);
  });
});

describe('a label a person kept in review', () => {
  it('leaves the disputed queue of the version it was kept against, until undone or another version', async () => {
    const { api, db, classIds } = await project();
    const { items } = await api.listReviewQueue({ queue: 'disputed', limit: 3 });
    expect(items).toHaveLength(3);
    const before = (await api.reviewCounts({})).disputed;
    const key = (item: { imageId: number; classId: number | null }) => `${item.imageId}:${item.classId}`;
    // Kept (the same state, now a person's) and flipped... then kept again: all settled.
    await api.setLabels({
      changes: items.map((item) => ({ imageId: item.imageId, classId: item.classId!, state: item.given })),
      reviewed: true,
    });
    expect((await api.reviewCounts({})).disputed).toBe(before - 3);
    const after = (await api.listReviewQueue({ queue: 'disputed', limit: 500 })).items.map(key);
    for (const item of items) expect(after).not.toContain(key(item));
    await expectQueuesAsBruteForce(api, db);
    // The same state set again outside review leaves it settled; undo brings it back.
    await api.setLabels({
      changes: [{ imageId: items[0]!.imageId, classId: items[0]!.classId!, state: items[0]!.given }],
    });
    expect((await api.reviewCounts({})).disputed).toBe(before - 3);
    await api.undo({});
    expect((await api.reviewCounts({})).disputed).toBe(before);
    await api.redo({});
    expect((await api.reviewCounts({})).disputed).toBe(before - 3);
    // A change of its state outside review is a new label: the model may dispute it again.
    const first = items[0]!;
    const flipped = first.given === 'positive' ? 'negative' : 'positive';
    await api.setLabels({ changes: [{ imageId: first.imageId, classId: first.classId!, state: flipped }] });
    await api.setLabels({
      changes: [{ imageId: first.imageId, classId: first.classId!, state: first.given }],
    });
    expect((await api.listReviewQueue({ queue: 'disputed', limit: 500 })).items.map(key)).toContain(
      key(first),
    );
    await expectQueuesAsBruteForce(api, db);
    // Another version has not been shown the others: it disputes them again.
    const person = classIds.get('person')!;
    const dog = classIds.get('dog')!;
    const cat = classIds.get('cat')!;
    const mapping = [person, dog, cat].map((classId, modelIndex) => ({ classId, modelIndex }));
    const other = ensurePackModel(db, { name: 'other', version: '1', classes: ['person', 'dog', 'cat'] });
    db.transaction(() =>
      insertPredictions(
        db,
        other.id,
        Array.from({ length: 50 }, (_, i) => ({
          imageId: i + 1,
          scores: scoresOf(i + 1, 3, 0),
          maps: Buffer.alloc(8),
        })),
        mapping,
      ),
    )();
    setActiveModel(db, other.id);
    syncClassScores(db, other.id, mapping);
    const again = (await api.listReviewQueue({ queue: 'disputed', limit: 500 })).items.map(key);
    for (const item of items) expect(again).toContain(key(item));
    await expectQueuesAsBruteForce(api, db);
  });
});

describe('a project last written before the tallies (schema 7)', () => {
  it('opens with its photos’ labelled marks filled in and its queues as the slow count finds them', async () => {
    const path = join(await tempDir(), 'v7.sqlite');
    const old = new Database(path);
    for (const migration of migrations.slice(0, 7)) old.exec(migration.sql);
    old.pragma('user_version = 7');
    old.exec(`
      INSERT INTO classes (name, color, position) VALUES ('person', '#fff', 0), ('dog', '#000', 1);
      INSERT INTO models (name, pack, classes, active, created_at) VALUES ('pack', 'pack@1', '["person","dog"]', 1, 'now');`);
    const photo = old.prepare(
      "INSERT INTO images (path, sha256, bytes, format, width, height, imported_at) VALUES (?, ?, 1, 'jpeg', 1, 1, 'now')",
    );
    const predict = old.prepare(
      "INSERT INTO predictions (image_id, model_id, scores, uncertainty, created_at) VALUES (?, 1, ?, 0.5, 'now')",
    );
    for (let i = 1; i <= 6; i += 1) {
      photo.run(`/p${i}.jpg`, `h${i}`);
      predict.run(i, Buffer.from(scoresOf(i, 2, 0).buffer));
    }
    old.exec(`
      INSERT INTO labels (image_id, class_id, state, source, at) VALUES
        (1, 1, 'positive', 'imported', 'now'), (1, 2, 'negative', 'human', 'now'),
        (2, 1, 'negative', 'imported', 'now'), (3, 2, 'positive', 'accepted', 'now');`);
    old.close();

    const studio = createStudio();
    studios.push(studio);
    const api = createClient(studio);
    await api.openProject({ path });
    const db = studio.project!.db;
    expect(db.prepare('SELECT image_id, labelled FROM predictions ORDER BY image_id').raw().all()).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 0],
      [5, 0],
      [6, 0],
    ]);
    expect(bruteForce(db).disputed.length).toBeGreaterThan(0);
    await expectQueuesAsBruteForce(api, db);
  });
});
