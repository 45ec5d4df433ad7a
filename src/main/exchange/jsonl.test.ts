import { describe, expect, it } from 'vitest';
import { jsonlFormat, parseJsonl } from './jsonl';
import type { ExchangeFile } from './records';

const sha = 'ab'.repeat(32);

const file: ExchangeFile = {
  format: 'jsonl',
  classes: ['dog', 'cat', 'bird'],
  records: [
    {
      name: 'a/1.jpg',
      sha256: sha,
      split: 'train',
      at: 'image id 1',
      classes: new Map([
        ['dog', { state: 'positive', source: 'human', score: 0.75 }],
        ['cat', { state: 'negative', source: 'accepted' }],
        ['bird', { score: 0.25 }],
      ]),
    },
    {
      name: 'b.jpg',
      sha256: sha,
      split: 'none',
      at: 'image id 2',
      classes: new Map([['cat', { state: 'positive', source: 'imported' }]]),
    },
  ],
  skipped: [],
};

describe('the lossless JSON Lines labels', () => {
  it('writes a header naming the classes, then one photo per line with its path, sha256, split, labels and scores', () => {
    const lines = jsonlFormat.write!(file).get('')!.trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { csraStudioLabels: 1, classes: ['dog', 'cat', 'bird'] },
      {
        path: 'a/1.jpg',
        sha256: sha,
        split: 'train',
        labels: {
          dog: { state: 'positive', source: 'human' },
          cat: { state: 'negative', source: 'accepted' },
        },
        scores: { dog: 0.75, bird: 0.25 },
      },
      {
        path: 'b.jpg',
        sha256: sha,
        split: 'none',
        labels: { cat: { state: 'positive', source: 'imported' } },
      },
    ]);
  });

  it('reads back what it wrote: states, sources, scores, splits, hashes, and a class with no label', () => {
    const read = parseJsonl(jsonlFormat.write!(file).get('')!);
    expect(read.classes).toEqual(file.classes);
    expect(read.records.map(({ at: _, ...rest }) => rest)).toEqual(
      file.records.map(({ at: _, ...rest }) => rest),
    );
    expect(read.records.map((r) => r.at)).toEqual(['line 2', 'line 3']);
  });

  it('refuses a malformed line with the line, the JSON path and the reason', () => {
    const header = '{"csraStudioLabels":1,"classes":["dog"]}';
    const photo = (labels: string) => `{"path":"a.jpg","sha256":"${sha}","split":"none","labels":${labels}}`;
    const cases: [string, string][] = [
      ['{"classes":["dog"]}', 'line 1: $.csraStudioLabels:'],
      [`${header}\n{oops`, 'line 2: $: not JSON'],
      [`${header}\n${photo('{"dog":{"state":"maybe","source":"human"}}')}`, 'line 2: $.labels.dog.state:'],
      [
        `${header}\n\n${photo('{"cat":{"state":"positive","source":"human"}}')}`,
        'line 3: class "cat" is not in the header',
      ],
      [`${header}\n${photo('{}').replace(sha, 'xyz')}`, 'line 2: $.sha256: a sha256 in hex'],
    ];
    for (const [text, message] of cases)
      expect(() => parseJsonl(text, 'x.jsonl'), text).toThrow(`jsonl x.jsonl ${message}`);
  });
});
