import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/fixtures/workspace';
import { imageRecord } from '../../../test/fixtures/image-record';
import { ensureClasses } from './classes';
import { openDatabase } from './connection';
import { insertImage } from './images';
import { createJob } from './jobs';
import { labelsForImages, writeImportedLabels } from './labels';

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
