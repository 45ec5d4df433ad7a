import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exchangeSamples, vocImages, vocLabels, vocRoot } from '../../../test/fixtures/paths';
import { tempDir } from '../../../test/fixtures/workspace';
import { detectFormat, exchangeFormats, findFormat, readLabelFile } from './formats';
import { matchRecords } from './match';

describe('the format registry', () => {
  it('lists each format once, by id, with the default export first', () => {
    const ids = exchangeFormats.map((format) => format.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBe('jsonl');
  });

  it('tells the real files of other tools apart by their content', async () => {
    const cases: [string, string][] = [
      ['coco/datumaro_test_instances_val.json', 'coco'],
      ['coco/ls_sdk_coco_import_input_cocoannotator.json', 'coco'],
      ['coco/plantvillage_potato_cvat_instances_default.json', 'coco'],
      ['label-studio/ls_repo_test_previous_export_image_choices.json', 'label-studio'],
      ['label-studio/ls_repo_examples_image_multilabel_completion_1_legacy.json', 'label-studio'],
      ['voc', 'voc'],
    ];
    for (const [path, id] of cases)
      expect((await detectFormat(join(exchangeSamples, path))).id, path).toBe(id);
    expect((await detectFormat(vocLabels)).id).toBe('labels-csv');
    expect((await detectFormat(join(vocRoot, 'annotations'))).id).toBe('voc');
  });

  it('tells a one-hot CSV from labels.csv, though both start with filename', async () => {
    const dir = await tempDir();
    const roboflow = join(dir, '_classes.csv');
    await writeFile(roboflow, 'filename, cat, dog\na.jpg, 1, 0\n');
    expect((await detectFormat(roboflow)).id).toBe('one-hot-csv');
  });

  it('refuses what no format claims, and a format that cannot go the asked way', async () => {
    const python = join(exchangeSamples, 'label-studio', 'ls_ml_backend_yolo_test_choices.py');
    await expect(detectFormat(python)).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining('not a label file of any known format (jsonl, labels-csv'),
    });
    expect(() => findFormat('coco', 'write')).toThrow(
      'format "coco" cannot be exported (export: jsonl, labels-csv',
    );
    expect(() => findFormat('xml', 'read')).toThrow('unknown format "xml" (import: jsonl, labels-csv');
  });
});

describe('the official VOC2007 person list against the photos we hold', () => {
  it('reads 5,011 ids (2,008 present, 87 difficult only and so unknown, 2,916 absent) and matches the 765 we have', async () => {
    const main = join(await tempDir(), 'VOC2007', 'ImageSets', 'Main');
    await mkdir(main, { recursive: true });
    await copyFile(
      join(exchangeSamples, 'voc', 'voc2007_person_trainval.txt'),
      join(main, 'person_trainval.txt'),
    );
    const file = await readLabelFile(join(main, '..', '..'));
    expect(file.format).toBe('voc');
    expect(file.records).toHaveLength(5011);
    const states = file.records.map((record) => record.classes.get('person')?.state ?? 'unknown');
    const tally = (state: string) => states.filter((s) => s === state).length;
    expect([tally('positive'), tally('unknown'), tally('negative')]).toEqual([2008, 87, 2916]);

    const photos = new Map(
      (await readdir(vocImages)).map((name, index) => [join(vocImages, name), index + 1] as const),
    );
    const { matched, unmatched } = matchRecords(file.records, vocImages, photos);
    expect(matched).toHaveLength(765);
    expect(unmatched).toHaveLength(5011 - 765);
  });
});
