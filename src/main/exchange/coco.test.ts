import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait, newStudio } from '../../../test/fixtures/direct-api';
import { exchangeSamples } from '../../../test/fixtures/paths';
import { copyVocPhotoFiles, vocBoxes, vocPhotoNames, vocTruth } from '../../../test/fixtures/voc';
import { cocoFormat, parseCoco, readCoco } from './coco';
import { detectFormat } from './formats';
import type { ExchangeFile } from './records';

const sample = (file: string) => join(exchangeSamples, 'coco', file);

/** Each record as its name and its positive classes, for reading at a glance. */
const positives = (file: ExchangeFile) =>
  file.records.map((record) => [
    record.name,
    [...record.classes].filter(([, entry]) => entry.state === 'positive').map(([name]) => name),
  ]);

describe('COCO instances files written by other tools', () => {
  it('COCO Annotator\'s export: 2 images, 2 categories, iscrowd given as the string "false"', async () => {
    const file = await readCoco(sample('ls_sdk_coco_import_input_cocoannotator.json'));
    expect(file.format).toBe('coco');
    expect(file.classes).toEqual(['Class_1', 'Class_2']);
    expect(file.skipped).toEqual([]);
    // Ground truth is exhaustive: the category not annotated on an image is negative for it.
    expect(file.records).toEqual([
      {
        name: 'image1.jpg',
        at: '$.images[0]',
        classes: new Map([
          ['Class_1', { state: 'positive' }],
          ['Class_2', { state: 'negative' }],
        ]),
      },
      {
        name: 'image2.jpg',
        at: '$.images[1]',
        classes: new Map([
          ['Class_1', { state: 'negative' }],
          ['Class_2', { state: 'positive' }],
        ]),
      },
    ]);
  });

  it("CVAT's COCO 1.0 export: 50 images, 1,414 annotations of 1 category, every image showing it", async () => {
    const text = await readFile(sample('plantvillage_potato_cvat_instances_default.json'), 'utf8');
    expect((JSON.parse(text) as { annotations: unknown[] }).annotations).toHaveLength(1414);
    const file = parseCoco(text, 'instances_default.json');
    expect(file.classes).toEqual(['Early_blight']);
    expect(file.records).toHaveLength(50);
    expect(file.skipped).toEqual([]);
    expect(file.records.every((record) => record.classes.get('Early_blight')?.state === 'positive')).toBe(
      true,
    );
    expect(file.records[0]!.name).toBe('02578b86-b234-4ac0-9bc3-691b5610e2bf___RS_Early.B 7562.jpg');
  });

  it("datumaro's fixture: 1 image with a polygon of a and a crowd RLE of b; c, declared, is negative", async () => {
    const file = await readCoco(sample('datumaro_test_instances_val.json'));
    expect(file.classes).toEqual(['a', 'b', 'c']);
    expect(positives(file)).toEqual([['b.jpg', ['a', 'b']]]);
    expect(file.records[0]!.classes.get('c')).toEqual({ state: 'negative' });
  });

  it('is told apart by its content: the three samples are COCO, a JSON list is not', async () => {
    for (const name of [
      'ls_sdk_coco_import_input_cocoannotator.json',
      'plantvillage_potato_cvat_instances_default.json',
      'datumaro_test_instances_val.json',
    ]) {
      expect(cocoFormat.detect!(sample(name), await readFile(sample(name), 'utf8')), name).toBe(true);
    }
    const labelStudio = join(
      exchangeSamples,
      'label-studio',
      'ls_repo_test_previous_export_image_choices.json',
    );
    expect(cocoFormat.detect!(labelStudio, await readFile(labelStudio, 'utf8'))).toBe(false);
    expect(cocoFormat.write).toBeUndefined();
  });
});

/**
 * An instances file as the COCO API writes one: compact, its keys in the order info, licenses,
 * images, annotations, categories, each VOC photo with the boxes of its classes.
 */
async function writeOfficialInstances(path: string): Promise<{ classes: string[]; bytes: number }> {
  const truth = await vocTruth();
  const classes = [...new Set([...truth.values()].flat())].sort();
  const images = [];
  const annotations = [];
  for (const [index, name] of (await vocPhotoNames()).entries()) {
    const image = { license: 1, file_name: name, coco_url: '', flickr_url: '', id: index + 1 };
    for (const className of truth.get(name)!) {
      const { width, height, boxes } = await vocBoxes(name, className);
      Object.assign(image, { width, height, date_captured: '2007-01-01 00:00:00' });
      for (const { xmin, ymin, xmax, ymax } of boxes) {
        const bbox = [xmin, ymin, xmax - xmin, ymax - ymin];
        annotations.push({
          segmentation: [[xmin, ymin, xmax, ymin, xmax, ymax, xmin, ymax]],
          area: bbox[2]! * bbox[3]!,
          iscrowd: 0,
          image_id: index + 1,
          bbox,
          category_id: classes.indexOf(className) + 1,
          id: annotations.length + 1,
        });
      }
    }
    images.push(image);
  }
  const text = JSON.stringify({
    info: { description: 'VOC2007 trainval as COCO', version: '1.0', year: 2007, date_created: '2007/01/01' },
    licenses: [{ url: 'http://host.robots.ox.ac.uk/pascal/VOC/', id: 1, name: 'VOC' }],
    images,
    annotations,
    categories: classes.map((name, index) => ({ supercategory: 'voc', id: index + 1, name })),
  });
  await writeFile(path, text);
  return { classes, bytes: Buffer.byteLength(text) };
}

describe('an official COCO instances file (info, licenses, images, annotations, categories)', () => {
  it('is detected by its structure though its categories come after 64 KB, and imports onto the photos', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'photos');
    const names = await vocPhotoNames(24);
    await copyVocPhotoFiles(folder, names);
    const instances = join(dir, 'instances_trainval2007.json');
    const { classes, bytes } = await writeOfficialInstances(instances);
    expect(bytes).toBeGreaterThan(64 * 1024);

    expect((await detectFormat(instances)).id).toBe('coco');
    const { report } = await importAndWait(api, folder, instances);
    expect(report.labels).toMatchObject({ format: 'coco', classes: classes.length, photosLabelled: 24 });
    const truth = await vocTruth();
    const classNames = new Map((await api.listClasses({})).map((c) => [c.id, c.name]));
    for (const image of (await api.listImages({ limit: 500 })).images) {
      const positive = image.labels
        .filter((l) => l.state === 'positive')
        .map((l) => classNames.get(l.classId));
      expect(positive.sort(), image.name).toEqual([...truth.get(image.name)!].sort());
    }
  });
});

describe('a COCO file of 100,000 categories', () => {
  it('is refused at the category past the limit, in well under a second', () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => i + 1);
    const text = JSON.stringify({
      images: [{ id: 1, file_name: 'a.jpg' }],
      annotations: ids.map((id) => ({ id, image_id: 1, category_id: id })),
      categories: ids.map((id) => ({ id, name: `c${id}` })),
    });
    const started = performance.now();
    expect(() => parseCoco(text, 'in.json')).toThrow(
      'coco in.json $.categories[1000].name: class "c1001" makes 1,001 classes in the file; a project holds at most 1,000',
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('malformed COCO input', () => {
  const valid = {
    categories: [{ id: 1, name: 'cat' }],
    images: [
      { id: 1, file_name: 'a.jpg' },
      { id: 2, file_name: 'b.jpg' },
    ],
    annotations: [{ id: 1, image_id: 1, category_id: 1, iscrowd: 0 }],
  };
  const parse = (value: unknown) => parseCoco(JSON.stringify(value, null, 2), 'in.json');

  it('text that is not JSON is placed by line and column', () => {
    expect(() => parseCoco('{\n  "images": [\n    {"id": 1,}\n  ]\n}', 'in.json')).toThrow(
      /^coco in\.json line 3, column 14: not JSON: /,
    );
  });

  it('a missing or mistyped value is named by its JSON path', () => {
    expect(() => parse({ ...valid, annotations: undefined })).toThrow('coco in.json $.annotations: missing');
    expect(() => parse({ ...valid, images: [valid.images[0], { id: 2 }] })).toThrow(
      'coco in.json $.images[1].file_name: expected a non-empty name, found nothing',
    );
    expect(() => parse({ ...valid, categories: [{ id: '1', name: 'cat' }] })).toThrow(
      'coco in.json $.categories[0].id: expected an integer id, found "1"',
    );
    expect(() => parse({ ...valid, images: [valid.images[0], { id: 1, file_name: 'c.jpg' }] })).toThrow(
      'coco in.json $.images[1].id: image id 1 is declared twice',
    );
  });

  it('an annotation of an undeclared image or category, or an unreadable iscrowd, is reported, not dropped silently', () => {
    const file = parse({
      ...valid,
      annotations: [
        { image_id: 9, category_id: 1 },
        { image_id: 2, category_id: 7 },
        { image_id: 2, category_id: 1, iscrowd: 'maybe' },
      ],
    });
    expect(file.skipped).toEqual([
      { at: '$.annotations[0].image_id', reason: 'no image has id 9' },
      { at: '$.annotations[1].category_id', reason: 'no category has id 7' },
      {
        at: '$.annotations[2].iscrowd',
        reason: '"maybe" is not 0, 1, true or false; the annotation still counts',
      },
    ]);
    expect(positives(file)).toEqual([
      ['a.jpg', []],
      ['b.jpg', ['cat']],
    ]);
  });
});
