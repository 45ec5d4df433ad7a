import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageRecord } from '../../../test/fixtures/image-record';
import { tempDir } from '../../../test/fixtures/workspace';
import { ensureClasses } from '../db/classes';
import { insertImage } from '../db/images';
import { createJob } from '../db/jobs';
import { writeImportedLabels } from '../db/labels';
import { ensurePackModel } from '../db/models';
import { setSplit } from '../db/splits';
import { Project } from '../project';
import { exportLabels, exportText, lossNotices, previewExport, projectLabels } from './export';
import { findFormat } from './formats';
import { labelConfigFile } from './label-studio';

/**
 * Three photos under /data/set: a.jpg with dog a person's positive and cat imported negative, bird
 * unknown; b.jpg with cat positive only; c.jpg with nothing but a score. The active version scored
 * dog on a.jpg and bird on c.jpg.
 */
async function project() {
  const project = Project.create(join(await tempDir(), 'p.sqlite'));
  const { db } = project;
  const job = createJob(db, 'import', { folder: '/data/set' });
  const [a, b, c] = ['a', 'b', 'c'].map((name) =>
    insertImage(db, { ...imageRecord(name), path: `/data/set/sub/${name}.jpg` }, job.id),
  ) as [number, number, number];
  const { ids } = ensureClasses(db, ['dog', 'cat', 'bird']);
  writeImportedLabels(
    db,
    [
      { imageId: a, classId: ids.get('dog')!, state: 'positive', source: 'human' },
      { imageId: a, classId: ids.get('cat')!, state: 'negative' },
      { imageId: b, classId: ids.get('cat')!, state: 'positive' },
    ],
    job.id,
  );
  setSplit(db, [b], 'val');
  const model = ensurePackModel(db, { name: 'pack', version: '1', classes: ['dog', 'bird'] });
  const score = db.prepare(
    'INSERT INTO class_scores (model_id, class_id, probability, image_id) VALUES (?, ?, ?, ?)',
  );
  score.run(model.id, ids.get('dog'), 0.875, a);
  score.run(model.id, ids.get('bird'), 0.25, c);
  return project;
}

describe('the project’s labels as an exchange file', () => {
  it('holds every photo with a label or a split, named from the folder of all photos, with its sources', async () => {
    const { db } = await project();
    const data = projectLabels(db, {});
    expect(data.classes).toEqual(['dog', 'cat', 'bird']);
    expect(data.records.map((r) => [r.name, r.split, Object.fromEntries(r.classes)])).toEqual([
      [
        'a.jpg',
        'none',
        { dog: { state: 'positive', source: 'human' }, cat: { state: 'negative', source: 'imported' } },
      ],
      ['b.jpg', 'val', { cat: { state: 'positive', source: 'imported' } }],
    ]);
    expect(projectLabels(db, { split: 'val' }).records.map((r) => r.name)).toEqual(['b.jpg']);
  });

  it('adds the active version’s probabilities when asked, and the photos it scored', async () => {
    const { db } = await project();
    const [a, , c] = projectLabels(db, { predictions: true }).records;
    expect(a!.classes.get('dog')).toEqual({ state: 'positive', source: 'human', score: 0.875 });
    // A photo with only a score goes out too: a pre-annotation for a tool to show.
    expect(c).toMatchObject({ name: 'c.jpg', classes: new Map([['bird', { score: 0.25 }]]) });
  });

  it('counts each loss of a format before writing, one sentence per kind', async () => {
    const { db } = await project();
    const data = projectLabels(db, { predictions: true });
    const say = (id: string) => lossNotices(findFormat(id, 'write'), data, true);
    expect(say('jsonl')).toEqual([]);
    expect(say('one-hot-csv')).toEqual([
      'this format cannot say unknown: 6 unknown labels will be written as negative',
      'this format cannot say who labelled: 1 label set or accepted by a person will read back as imported',
      'this format cannot carry scores: 2 probabilities will be left out',
      'this format cannot say splits: the split of 1 photo will be left out',
    ]);
    expect(say('label-studio')[0]).toBe(
      'this format cannot say negative: 1 negative label will be left out (read back as absent)',
    );
  });

  it('writes the lossless file with the probabilities, and says the same losses before and after', async () => {
    const labelled = await project();
    const dir = await tempDir();
    const out = join(dir, 'labels.csv');
    const choice = { format: 'labels-csv', predictions: true };
    const before = previewExport(labelled, choice);
    expect(before.rows).toBe(3);
    expect(await exportLabels(labelled, { ...choice, out })).toEqual({
      path: out,
      format: 'labels-csv',
      ...before,
    });
    await exportLabels(labelled, { format: 'jsonl', out: join(dir, 'labels.jsonl'), predictions: true });
    const lines = (await readFile(join(dir, 'labels.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[1]).toMatchObject({ path: 'a.jpg', scores: { dog: 0.875 } });
  });
});

describe('a single-file export', () => {
  it("names Label Studio's labeling config before writing: never over one there, nor at the tasks file's path", async () => {
    const labelled = await project();
    const dir = await tempDir();
    const config = join(dir, labelConfigFile);
    await writeFile(config, 'mine');
    await expect(
      exportLabels(labelled, { format: 'label-studio', out: join(dir, 'tasks.json') }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: `${config} already exists; an export writes only new files: choose another name`,
    });
    await rm(config);
    await expect(exportLabels(labelled, { format: 'label-studio', out: config })).rejects.toMatchObject({
      code: 'bad_input',
      message: `label-studio writes its ${labelConfigFile} beside the file, at ${config} itself; give the file another name`,
    });
    expect(await readdir(dir)).toEqual([]);

    await exportLabels(labelled, { format: 'label-studio', out: join(dir, 'tasks.json') });
    expect((await readdir(dir)).sort()).toEqual([labelConfigFile, 'tasks.json']);
    expect(await readFile(join(dir, labelConfigFile), 'utf8')).toContain('<Choices name="label"');
  });

  it('gives the text of a single file for a caller to write, and refuses a format that writes more', async () => {
    const labelled = await project();
    const out = join(await tempDir(), 'labels.csv');
    await exportLabels(labelled, { format: 'one-hot-csv', out });
    expect(exportText(labelled, { format: 'one-hot-csv' })).toEqual({
      text: await readFile(out, 'utf8'),
      format: 'one-hot-csv',
      ...previewExport(labelled, { format: 'one-hot-csv' }),
    });
    expect(() => exportText(labelled, { format: 'imagefolder' })).toThrow(
      expect.objectContaining({
        code: 'bad_input',
        message: 'imagefolder writes a folder, not one file: export it to a folder',
      }),
    );
    expect(() => exportText(labelled, { format: 'label-studio' })).toThrow(
      expect.objectContaining({
        code: 'bad_input',
        message: `label-studio writes ${labelConfigFile} beside its file, not one file: export it to a file`,
      }),
    );
  });
});
