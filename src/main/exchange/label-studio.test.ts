import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vocLabels, vocRoot } from '../../../test/fixtures/paths';
import { readLabelsCsv } from './labels-csv';
import { formatLabelConfig, labelConfigFile, labelStudioFormat, parseLabelStudio } from './label-studio';
import type { ExchangeFile } from './records';
import { childrenNamed, parseXml } from './xml';

const samples = join(vocRoot, '..', 'exchange-samples', 'label-studio');
const sample = (name: string) => readFile(join(samples, name), 'utf8');
const statesOf = (file: ExchangeFile) =>
  file.records.map((record) => [record.name, Object.fromEntries(record.classes)]);

/** The ML backend test's expected predictions and configs, from the Python literal they sit in. */
async function backendReference() {
  const python = await sample('ls_ml_backend_yolo_test_choices.py');
  const literal = (name: string) => {
    const start = python.indexOf(`${name} = [`) + name.length + 3;
    const text = python.slice(start, python.indexOf('\n]\n', start) + 2);
    return text;
  };
  const asJson = (text: string) => JSON.parse(text.replace(/#.*$/gm, '').replace(/,(\s*[\]}])/g, '$1'));
  const configs = [...literal('label_configs').matchAll(/"""([\s\S]*?)"""/g)].map((match) => match[1]!);
  return { tasks: asJson(literal('tasks')), expected: asJson(literal('expected')), configs };
}

describe('Label Studio JSON, read', () => {
  it('reads the 1.x export sample: one task, mypets.jpg, "Cat" chosen and nothing else said', async () => {
    const file = parseLabelStudio(await sample('ls_repo_test_previous_export_image_choices.json'));
    expect(file.classes).toEqual(['Cat']);
    expect(statesOf(file)).toEqual([['mypets.jpg', { Cat: { state: 'positive' } }]]);
    expect(file.records[0]!.at).toBe('$');
    expect(file.skipped).toEqual([]);
  });

  it('tolerates the legacy 0.x completions sample: its choice read, its rectangle reported as no image label', async () => {
    const file = parseLabelStudio(await sample('ls_repo_examples_image_multilabel_completion_1_legacy.json'));
    expect(statesOf(file)).toEqual([
      ['nick-owuor-astro-nic-visuals-wDifg5xc9Z4-unsplash.jpg', { Space: { state: 'positive' } }],
    ]);
    expect(file.skipped).toEqual([
      { at: '$.completions[0].result[0]', reason: 'a rectanglelabels result is not an image label' },
    ]);
  });

  it('reads the ML backend multi-choice prediction as scores of "Cab" and "Grille", no label', async () => {
    const { tasks, expected } = await backendReference();
    const file = parseLabelStudio(JSON.stringify([{ ...tasks[1], predictions: expected[1] }]));
    expect(statesOf(file)).toEqual([
      ['001bebecea382500.jpg', { Cab: { score: 0.4747641831636429 }, Grille: { score: 0.4747641831636429 } }],
    ]);
    // The backend's "no choices" answer: a prediction with an empty result says nothing.
    const empty = parseLabelStudio(JSON.stringify([{ ...tasks[2], predictions: expected[2] }]));
    expect(statesOf(empty)).toEqual([['001bebecea382500.jpg', {}]]);
  });

  it('skips cancelled annotations and counts them, reads the ground truth over later ones, names the others', () => {
    const file = parseLabelStudio(
      JSON.stringify([
        {
          data: { image: '/data/upload/3/5e8a7b4c-000005.jpg' },
          annotations: [{ was_cancelled: true, result: [] }],
        },
        {
          data: { image: 's3://bucket/voc/000007.jpg' },
          annotations: [
            { ground_truth: true, result: [{ type: 'choices', value: { choices: ['car', 'person'] } }] },
            { result: [{ type: 'choices', value: { choices: ['dog'] } }] },
            { was_cancelled: true, result: [] },
          ],
        },
      ]),
    );
    expect(statesOf(file)).toEqual([
      ['000007.jpg', { car: { state: 'positive' }, person: { state: 'positive' } }],
    ]);
    expect(file.classes).toEqual(['car', 'person']);
    expect(file.skipped).toEqual([
      { at: '$[0].annotations[0]', reason: 'cancelled (was_cancelled)' },
      { at: '$[0]', reason: 'no annotation or prediction' },
      { at: '$[1].annotations[2]', reason: 'cancelled (was_cancelled)' },
      { at: '$[1].annotations[1]', reason: 'another annotation of the task is read: $[1].annotations[0]' },
    ]);
  });

  it('names photos by the last segment of their URL, the upload prefix dropped only under /data/upload/', () => {
    const names = [
      '/data/upload/1/abc12345-000005.jpg',
      '/data/upload/1/000005.jpg',
      'https://example.org/photos/deadbeef-000005.jpg',
      '/data/local-files/?d=voc/JPEGImages/000005%20a.jpg',
      'gs://bucket/a%20b.jpg',
    ].map(
      (image) =>
        parseLabelStudio(JSON.stringify({ data: { image }, annotations: [{ result: [] }] })).records[0]!.name,
    );
    expect(names).toEqual([
      '000005.jpg',
      '000005.jpg',
      'deadbeef-000005.jpg',
      'voc/JPEGImages/000005 a.jpg',
      'a b.jpg',
    ]);
    // A config whose image field is `$photo`: the URL is the task data's text that is not the split.
    const [record] = parseLabelStudio(
      JSON.stringify([{ data: { split: 'val', photo: 's3://b/000009.jpg' }, annotations: [{ result: [] }] }]),
    ).records;
    expect(record).toMatchObject({ name: '000009.jpg', split: 'val' });
  });

  it('refuses a malformed file with the format, the JSON path and the reason', () => {
    const bad = (text: string) => () => parseLabelStudio(text, 'tasks.json');
    expect(bad('[{"data": {"image": "a.jpg"}, ')).toThrow(/^label-studio tasks\.json: \$: not JSON/);
    expect(bad('[{"data": {"image": "a.jpg"}, "annotations": {}}]')).toThrow(
      'label-studio tasks.json: $[0].annotations: expected a list',
    );
    expect(
      bad(
        '[{"data": {"image": "a.jpg"}, "annotations": [{"result": [{"type": "choices", "value": {"choices": "cat"}}]}]}]',
      ),
    ).toThrow(
      'label-studio tasks.json: $[0].annotations[0].result[0].value.choices: expected a list of class names',
    );
    expect(bad('[7]')).toThrow('label-studio tasks.json: $[0]: a task must be an object');
    const long = JSON.stringify([
      {
        data: { image: 'a.jpg' },
        annotations: [{ result: [{ type: 'choices', value: { choices: ['c'.repeat(5000)] } }] }],
      },
    ]);
    expect(bad(long)).toThrow(
      /^label-studio tasks\.json: \$\[0\]\.annotations\[0\]\.result\[0\]\.value\.choices\[0\]: class name of 5,000 characters/,
    );
  });

  it('is detected by its content', async () => {
    for (const name of [
      'ls_repo_test_previous_export_image_choices.json',
      'ls_repo_examples_image_multilabel_completion_1_legacy.json',
    ]) {
      expect(labelStudioFormat.detect!(name, await sample(name))).toBe(true);
    }
    expect(labelStudioFormat.detect!('labels.csv', await readFile(vocLabels, 'utf8'))).toBe(false);
  });
});

describe('Label Studio JSON, written', () => {
  it('lays predictions out as the ML backend does, and the config as its choice="multiple" configs', async () => {
    const { expected, configs } = await backendReference();
    const written = labelStudioFormat.write!({
      format: 'jsonl',
      classes: ['Grille', 'Cab'],
      records: [
        {
          name: 'a/001bebecea382500.jpg',
          classes: new Map([
            ['Cab', { score: 0.9 }],
            ['Grille', { state: 'positive', score: 0.7 }],
          ]),
          at: 'line 2',
        },
      ],
      skipped: [],
      modelVersion: 'v3',
    });
    expect([...written.keys()]).toEqual(['', labelConfigFile]);
    const [task] = JSON.parse(written.get('')!);
    const keysOf = (value: object): unknown =>
      Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [
          key,
          typeof inner === 'object' && !Array.isArray(inner) ? keysOf(inner) : typeof inner,
        ]),
      );
    expect(keysOf(task.predictions[0].result[0])).toEqual(keysOf(expected[1][0].result[0]));
    expect(Object.keys(task.predictions[0]).sort()).toEqual(Object.keys(expected[1][0]).sort());
    expect(task).toEqual({
      data: { image: '/data/local-files/?d=a/001bebecea382500.jpg' },
      annotations: [
        {
          result: [{ from_name: 'label', to_name: 'image', type: 'choices', value: { choices: ['Grille'] } }],
          was_cancelled: false,
          ground_truth: false,
        },
      ],
      predictions: [
        {
          model_version: 'v3',
          score: 0.7,
          result: [
            {
              from_name: 'label',
              to_name: 'image',
              type: 'choices',
              value: { choices: ['Grille', 'Cab'] },
              score: 0.7,
            },
          ],
        },
      ],
    });

    const choicesOf = (xml: string) => {
      const view = parseXml(xml, 'label-studio', 'config');
      const [image] = childrenNamed(view, 'Image');
      const [choices] = childrenNamed(view, 'Choices');
      return {
        image: Object.fromEntries(image!.attributes),
        choices: { toName: choices!.attributes.get('toName'), choice: choices!.attributes.get('choice') },
        values: childrenNamed(choices!, 'Choice').map((choice) => choice.attributes.get('value')),
      };
    };
    expect(choicesOf(written.get(labelConfigFile)!)).toEqual(choicesOf(configs[1]!));
  });

  it('escapes class names in the config', () => {
    const view = parseXml(formatLabelConfig(['a "b" <c> & d']), 'label-studio', 'config');
    expect(childrenNamed(childrenNamed(view, 'Choices')[0]!, 'Choice')[0]!.attributes.get('value')).toBe(
      'a "b" <c> & d',
    );
  });

  it('takes the VOC labels out and back: positives and splits kept, negatives come back unknown as declared', async () => {
    const voc = await readLabelsCsv(vocLabels);
    voc.records.forEach(
      (record, index) => (record.split = (['train', 'val', 'test', 'none'] as const)[index % 4]),
    );
    const back = parseLabelStudio(labelStudioFormat.write!(voc).get('')!);
    expect(back.records).toHaveLength(voc.records.length);
    expect(labelStudioFormat.loses).toContain('negatives');
    const positives = (file: ExchangeFile) =>
      file.records.map((record) => [
        record.name,
        record.split ?? 'none',
        [...record.classes]
          .filter(([, entry]) => entry.state === 'positive')
          .map(([name]) => name)
          .sort(),
      ]);
    expect(positives(back)).toEqual(positives(voc));
    expect(
      back.records
        .flatMap((record) => [...record.classes.values()])
        .every((entry) => entry.state === 'positive'),
    ).toBe(true);
    expect(new Set(back.classes)).toEqual(new Set(voc.classes));
  });
});
