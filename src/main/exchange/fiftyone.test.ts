import { describe, expect, it } from 'vitest';
import { vocLabels } from '../../../test/fixtures/paths';
import { fiftyoneFormat } from './fiftyone';
import { readLabelsCsv } from './labels-csv';
import type { ExchangeFile } from './records';

interface LabelsJson {
  classes: string[];
  labels: Record<string, { label: number; confidence?: number }[] | null>;
}
const labelsJson = (data: ExchangeFile): LabelsJson =>
  JSON.parse(fiftyoneFormat.write!(data).get('labels.json')!);

describe('FiftyOne image classification, written', () => {
  it('writes the VOC labels as labels.json: 765 photos by path without extension, positives as class indices', async () => {
    const voc = await readLabelsCsv(vocLabels);
    const written = labelsJson(voc);
    expect(Object.keys(written)).toEqual(['classes', 'labels']);
    expect(written.classes).toEqual(voc.classes);
    expect(Object.keys(written.labels)).toHaveLength(765);
    expect(written.labels['000005']).toEqual([{ label: voc.classes.indexOf('chair') }]);
    for (const record of voc.records) {
      const positives = voc.classes.filter((name) => record.classes.get(name)?.state === 'positive');
      const back = written.labels[record.name.replace(/\.jpg$/, '')]!.map(
        (target) => written.classes[target.label],
      );
      expect(back).toEqual(positives);
      expect(fiftyoneFormat.photoPath!(record)).toBe(`data/${record.name}`);
    }
  });

  it("gives each positive the model's confidence, null to an unlabelled photo and [] to one with no positive", () => {
    const written = labelsJson({
      format: 'jsonl',
      classes: ['cat', 'dog', 'bird'],
      records: [
        {
          name: 'a/1.jpg',
          classes: new Map([
            ['cat', { state: 'positive', score: 0.875 }],
            ['dog', { state: 'positive' }],
            ['bird', { state: 'negative', score: 0.25 }],
          ]),
          at: 'line 2',
        },
        { name: 'a/2.jpg', classes: new Map([['cat', { score: 0.5 }]]), at: 'line 3' },
        { name: 'b.c/3', classes: new Map([['dog', { state: 'negative' }]]), at: 'line 4' },
      ],
      skipped: [],
    });
    expect(written.labels).toEqual({
      'a/1': [{ label: 0, confidence: 0.875 }, { label: 1 }],
      'a/2': null,
      'b.c/3': [],
    });
    expect(fiftyoneFormat.loses).toEqual(['unknown', 'sources', 'scores', 'splits']);
  });

  it('refuses two photos FiftyOne would take for one', () => {
    const record = (name: string) => ({ name, classes: new Map(), at: name });
    expect(() =>
      fiftyoneFormat.write!({
        format: 'jsonl',
        classes: [],
        records: [record('x/a.jpg'), record('x/a.png')],
        skipped: [],
      }),
    ).toThrow('fiftyone: x/a.jpg and x/a.png would both be data/x/a.*');
  });
});
