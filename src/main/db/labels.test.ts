import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/fixtures/workspace';
import { imageRecord } from '../../../test/fixtures/image-record';
import { ensureClasses } from './classes';
import { openDatabase } from './connection';
import { insertImage } from './images';
import { createJob } from './jobs';
import {
  applyLabelChanges,
  labelsForImages,
  redoLastAction,
  undoLastAction,
  writeImportedLabels,
  type LabelChange,
} from './labels';

async function projectWithOnePhoto() {
  const db = openDatabase(join(await tempDir(), 'p.sqlite'), { create: true });
  const job = createJob(db, 'import', {});
  const imageId = insertImage(db, imageRecord('a'), job.id);
  const { ids } = ensureClasses(db, ['dog', 'cat']);
  return { db, jobId: job.id, imageId, dog: ids.get('dog')!, cat: ids.get('cat')! };
}

describe('imported labels', () => {
  it('are written with one event per change, and writing the same again changes nothing', async () => {
    const { db, jobId, imageId, dog, cat } = await projectWithOnePhoto();
    const labels = [
      { imageId, classId: dog, state: 'positive' as const },
      { imageId, classId: cat, state: 'negative' as const },
    ];
    expect(writeImportedLabels(db, labels, jobId)).toEqual({ written: 2, humanKept: 0 });
    expect(writeImportedLabels(db, labels, jobId)).toEqual({ written: 0, humanKept: 0 });
    expect(labelsForImages(db, [imageId]).get(imageId)).toEqual([
      { classId: dog, state: 'positive', source: 'imported' },
      { classId: cat, state: 'negative', source: 'imported' },
    ]);
    const events = db.prepare('SELECT old_state, new_state, source FROM label_events ORDER BY id').all();
    expect(events).toEqual([
      { old_state: null, new_state: 'positive', source: 'imported' },
      { old_state: null, new_state: 'negative', source: 'imported' },
    ]);
  });

  it('never overwrite a label a person set', async () => {
    const { db, jobId, imageId, dog } = await projectWithOnePhoto();
    db.prepare(
      "INSERT INTO labels (image_id, class_id, state, source, at) VALUES (?, ?, 'negative', 'human', 'then')",
    ).run(imageId, dog);
    const outcome = writeImportedLabels(db, [{ imageId, classId: dog, state: 'positive' }], jobId);
    expect(outcome).toEqual({ written: 0, humanKept: 1 });
    expect(labelsForImages(db, [imageId]).get(imageId)).toEqual([
      { classId: dog, state: 'negative', source: 'human' },
    ]);
  });

  it('give way to a newer import of the same photo', async () => {
    const { db, jobId, imageId, dog } = await projectWithOnePhoto();
    writeImportedLabels(db, [{ imageId, classId: dog, state: 'positive' }], jobId);
    expect(writeImportedLabels(db, [{ imageId, classId: dog, state: 'negative' }], jobId).written).toBe(1);
    expect(labelsForImages(db, [imageId]).get(imageId)?.[0]?.state).toBe('negative');
  });
});

describe('classes', () => {
  it('are created once, in order, with distinct colors', async () => {
    const { db } = await projectWithOnePhoto();
    const again = ensureClasses(db, ['cat', 'bird']);
    expect(again.created).toEqual(['bird']);
    const rows = db.prepare('SELECT name, color, position FROM classes ORDER BY position').all() as {
      name: string;
      color: string;
    }[];
    expect(rows.map((row) => row.name)).toEqual(['dog', 'cat', 'bird']);
    expect(new Set(rows.map((row) => row.color)).size).toBe(3);
  });
});

describe('an action of many changes', () => {
  /** 3,000 photos × the two classes: more events than an undo reads at a time, twice over. */
  async function bulkProject() {
    const { db, jobId, dog, cat } = await projectWithOnePhoto();
    const imageIds = db.transaction(() =>
      Array.from({ length: 3_000 }, (_, i) => insertImage(db, imageRecord(`bulk-${i}`), jobId)),
    )();
    // A file labelled every photo dog: the action changes those and adds cat.
    writeImportedLabels(
      db,
      imageIds.map((imageId) => ({ imageId, classId: dog, state: 'positive' as const })),
      jobId,
    );
    const labels = () => [...labelsForImages(db, imageIds)].sort(([a], [b]) => a - b);
    return { db, imageIds, dog, cat, labels };
  }

  it('takes its changes one at a time as it writes them, so a change may be read from what the earlier ones set', async () => {
    const { db, imageIds, dog, cat } = await bulkProject();
    const stateOf = db.prepare('SELECT state FROM labels WHERE image_id = ? AND class_id = ?').pluck();
    function* changes(): Generator<LabelChange> {
      for (const imageId of imageIds) {
        yield { imageId, classId: dog, state: 'negative', source: 'human' };
        // Written already: cat follows what dog now is.
        const dogNow = stateOf.get(imageId, dog) as string;
        yield {
          imageId,
          classId: cat,
          state: dogNow === 'negative' ? 'positive' : 'negative',
          source: 'human',
        };
      }
    }
    const outcome = applyLabelChanges(db, 'swap', changes());
    expect(outcome).toMatchObject({ description: 'swap', changed: 6_000 });
    expect(outcome.imageIds).toEqual(imageIds);
    for (const [, labels] of labelsForImages(db, imageIds))
      expect(labels.map((label) => label.state)).toEqual(['negative', 'positive']);
  });

  it('is undone and redone whole, every event in order, however many it has', async () => {
    const { db, imageIds, dog, cat, labels } = await bulkProject();
    const before = labels();
    const changes = imageIds.flatMap((imageId): LabelChange[] => [
      { imageId, classId: dog, state: null, source: 'human' },
      { imageId, classId: cat, state: 'positive', source: 'human' },
    ]);
    const { actionId } = applyLabelChanges(db, 'bulk', changes);
    const after = labels();
    expect(after.every(([, list]) => list.length === 1 && list[0]!.classId === cat)).toBe(true);
    const lastEvent = () => db.prepare('SELECT max(id) FROM label_events').pluck().get() as number;
    const eventsAfter = (id: number) =>
      db
        .prepare('SELECT image_id, class_id, new_state, action_id FROM label_events WHERE id > ? ORDER BY id')
        .raw()
        .all(id) as [number, number, string | null, number | null][];

    const undoFrom = lastEvent();
    expect(undoLastAction(db)).toEqual({ description: 'bulk', imageIds: [...imageIds].reverse() });
    expect(labels()).toEqual(before);
    // Undone backwards, one event per change of the action, of no action themselves.
    expect(eventsAfter(undoFrom)).toEqual(
      [...changes]
        .reverse()
        .map((change) => [change.imageId, change.classId, change.classId === dog ? 'positive' : null, null]),
    );
    expect(db.prepare('SELECT state FROM actions WHERE id = ?').pluck().get(actionId)).toBe('undone');

    const redoFrom = lastEvent();
    expect(redoLastAction(db)).toEqual({ description: 'bulk', imageIds });
    expect(labels()).toEqual(after);
    expect(eventsAfter(redoFrom)).toEqual(
      changes.map((change) => [change.imageId, change.classId, change.state, null]),
    );
  });
});
