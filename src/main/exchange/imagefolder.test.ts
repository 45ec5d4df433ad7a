import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { importAndWait, newStudio } from '../../../test/fixtures/direct-api';
import { vocLabels } from '../../../test/fixtures/paths';
import { copyVocPhotos } from '../../../test/fixtures/workspace';
import { imagefolderFormat } from './imagefolder';
import { readLabelsCsv } from './labels-csv';

/** A Python with Hugging Face `datasets` installed, where there is one: CI has none. */
const datasetsPython = process.env.CSRA_DATASETS_PYTHON;

describe('Hugging Face imagefolder, written', () => {
  it('writes the VOC labels as a metadata.jsonl per split folder: every photo once, its positives as labels', async () => {
    const voc = await readLabelsCsv(vocLabels);
    const splits = ['train', 'val', 'test', 'none'] as const;
    voc.records.forEach((record, index) => (record.split = splits[index % 4]));
    const files = imagefolderFormat.write!(voc);
    expect([...files.keys()]).toEqual([
      'README.md',
      'train/metadata.jsonl',
      'validation/metadata.jsonl',
      'test/metadata.jsonl',
    ]);
    const rows = (key: string) =>
      files
        .get(key)!
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { file_name: string; labels: string[] });
    // 765 photos in turn train, val, test, none: 192 + 191 unsplit in train, 191 each in the others.
    expect(rows('train/metadata.jsonl')).toHaveLength(383);
    expect(rows('validation/metadata.jsonl')).toHaveLength(191);
    expect(rows('test/metadata.jsonl')).toHaveLength(191);
    expect(files.get('train/metadata.jsonl')!.split('\n')[0]).toBe(
      '{"file_name":"000005.jpg","labels":["chair"]}',
    );

    const written = new Map(
      ['train', 'validation', 'test'].flatMap((folder) =>
        rows(`${folder}/metadata.jsonl`).map((row) => [row.file_name, { folder, labels: row.labels }]),
      ),
    );
    expect(written.size).toBe(765);
    for (const record of voc.records) {
      const positives = voc.classes.filter((name) => record.classes.get(name)?.state === 'positive');
      expect(written.get(record.name)).toEqual({
        folder: record.split === 'val' ? 'validation' : record.split === 'test' ? 'test' : 'train',
        labels: positives,
      });
      // The export copies the photo where file_name, relative to the metadata file, finds it.
      expect(imagefolderFormat.photoPath!(record)).toBe(`${written.get(record.name)!.folder}/${record.name}`);
    }
  });

  it('writes a dataset card declaring the features the loader gives and the label names in order', async () => {
    const voc = await readLabelsCsv(vocLabels);
    const card = imagefolderFormat.write!(voc).get('README.md')!;
    const [, yaml, body] = card.split(/^---$/m);
    expect(yaml).toBe(
      '\ntask_categories:\n- image-classification\ndataset_info:\n  features:\n  - name: image\n    dtype: image\n  - name: labels\n    sequence: string\n',
    );
    expect(body).toContain(voc.classes.map((name, index) => `${index}. ${name}`).join('\n'));
    expect(body).toContain(`names = ${JSON.stringify(voc.classes)}`);
    expect(imagefolderFormat.loses).toEqual(['unknown', 'sources', 'scores', 'unsplit']);
  });

  it('writes no metadata for a split without photos, and unknown as absent from labels', () => {
    const files = imagefolderFormat.write!({
      format: 'jsonl',
      classes: ['cat', 'dog'],
      records: [
        { name: 'a/b.jpg', classes: new Map([['dog', { state: 'negative' }]]), split: 'test', at: 'line 2' },
      ],
      skipped: [],
    });
    expect([...files.keys()]).toEqual(['README.md', 'test/metadata.jsonl']);
    expect(files.get('test/metadata.jsonl')).toBe('{"file_name":"a/b.jpg","labels":[]}\n');
  });

  it.skipIf(!datasetsPython)(
    'loads with datasets.load_dataset("imagefolder") and the card’s cast, each photo with its positives (runs where CSRA_DATASETS_PYTHON names a Python with datasets)',
    async () => {
      const { api, dir } = await newStudio();
      const folder = join(dir, 'photos');
      const { labelsFile } = await copyVocPhotos(folder, 12);
      await importAndWait(api, folder, labelsFile);
      await api.assignSplits({ val: 0.25 });
      const out = join(dir, 'imagefolder');
      await api.exportLabels({ format: 'imagefolder', out });
      const snippet = /```python\n([^]*?)```/.exec(await readFile(join(out, 'README.md'), 'utf8'))![1]!;
      const script = `${snippet.replace('path/to/this/folder', out)}
import json
names = dataset['train'].features['labels'].feature.names
print(json.dumps({split: [[names[i] for i in row['labels']] for row in dataset[split]] for split in dataset}))`;
      const { stdout } = await promisify(execFile)(datasetsPython!, ['-c', script], {
        env: { ...process.env, HF_DATASETS_OFFLINE: '1', HF_HUB_OFFLINE: '1' },
      });
      const loaded = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string[][]>;
      // Each split's photos as their sorted positives, in one order whatever the loader's.
      const inOrder = (photos: string[][]) => photos.map((names) => [...names].sort().join('|')).sort();

      const expected: Record<string, string[]> = {};
      for (const [split, name] of [
        ['train', 'train'],
        ['val', 'validation'],
      ] as const) {
        const { images } = await api.listImages({ filter: { split }, limit: 100 });
        const classes = new Map((await api.listClasses({})).map((item) => [item.id, item.name]));
        expected[name] = inOrder(
          images.map((image) =>
            image.labels
              .filter((label) => label.state === 'positive')
              .map((label) => classes.get(label.classId)!),
          ),
        );
      }
      expect(
        Object.fromEntries(Object.entries(loaded).map(([split, photos]) => [split, inOrder(photos)])),
      ).toEqual(expected);
    },
    120_000,
  );
});
