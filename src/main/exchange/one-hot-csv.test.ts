import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait, newStudio } from '../../../test/fixtures/direct-api';
import { vocImages, vocLabels } from '../../../test/fixtures/paths';
import { vocPhotoNames, vocTruth } from '../../../test/fixtures/voc';
import { readLabelsCsv } from './labels-csv';
import { oneHotCsvFormat, parseOneHotCsv } from './one-hot-csv';
import type { ExchangeFile } from './records';

const statesOf = (file: ExchangeFile) =>
  file.records.map((record) => [
    record.name,
    Object.fromEntries([...record.classes].map(([name, entry]) => [name, entry.state])),
  ]);

describe('one-hot CSV', () => {
  it("writes the VOC labels in Roboflow's layout and reads them back unchanged: 765 photos, 20 columns", async () => {
    const voc = await readLabelsCsv(vocLabels);
    const text = oneHotCsvFormat.write!(voc).get('')!;
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 765);
    expect(lines[0]).toBe(`filename, ${voc.classes.join(', ')}`);
    const chairOnly = voc.classes.map((name) => (name === 'chair' ? '1' : '0'));
    expect(lines[1]).toBe(`000005.jpg, ${chairOnly.join(', ')}`);
    const back = parseOneHotCsv(text);
    expect(back.classes).toEqual(voc.classes);
    expect(statesOf(back)).toEqual(statesOf(voc));
    expect(back.skipped).toEqual([]);
    expect(oneHotCsvFormat.detect!('_classes.csv', text)).toBe(true);
    expect(oneHotCsvFormat.detect!('labels.csv', await readFile(vocLabels, 'utf8'))).toBe(false);
  });

  it('writes unknown as 0, the loss it declares, and quotes and escapes file names', () => {
    const written = oneHotCsvFormat.write!({
      format: 'jsonl',
      classes: ['cat', 'dog'],
      records: [
        { name: '=cmd.jpg', classes: new Map([['cat', { state: 'positive' }]]), at: 'line 2' },
        { name: 'a, b.jpg', classes: new Map([['dog', { state: 'negative' }]]), at: 'line 3' },
      ],
      skipped: [],
    });
    expect(oneHotCsvFormat.loses).toContain('unknown');
    expect(written.get('')).toBe('filename, cat, dog\n\'=cmd.jpg, 1, 0\n"a, b.jpg", 0, 0\n');
    expect(statesOf(parseOneHotCsv(written.get('')!))).toEqual([
      ['=cmd.jpg', { cat: 'positive', dog: 'negative' }],
      ['a, b.jpg', { cat: 'negative', dog: 'negative' }],
    ]);
  });

  it('reads a Roboflow export: spaces after commas, CRLF, renamed photos kept with their names before', () => {
    const file = parseOneHotCsv(
      'filename, cat, dog\r\n' +
        '000005_jpg.rf.0a1b2c3d4e5f60718293a4b5c6d7e8f9.jpg, 1, 0\r\n' +
        '"with ""quotes""\nand a line break.png",0,1\r\n' +
        'plain.rf.jpg, , 1\r\n',
    );
    expect(statesOf(file)).toEqual([
      ['000005_jpg.rf.0a1b2c3d4e5f60718293a4b5c6d7e8f9.jpg', { cat: 'positive', dog: 'negative' }],
      ['with "quotes"\nand a line break.png', { cat: 'negative', dog: 'positive' }],
      ['plain.rf.jpg', { dog: 'positive' }],
    ]);
    expect(file.records.map((record) => record.fallbackName)).toEqual(['000005.jpg', undefined, undefined]);
    expect(file.records.map((record) => record.at)).toEqual(['line 2', 'line 3', 'line 5']);
  });

  it('refuses a header of 100,000 classes at the class past the limit, in well under a second', () => {
    const classes = Array.from({ length: 100_000 }, (_, i) => `c${i}`);
    const row = (name: string) => [name, ...classes.map((_, i) => (i % 2 ? '1' : '0'))].join(',');
    const text = [['filename', ...classes].join(','), row('a.jpg'), row('b.jpg'), ''].join('\n');
    const started = performance.now();
    expect(() => parseOneHotCsv(text, 'x.csv')).toThrow(
      'one-hot-csv x.csv line 1: class "c1000" makes 1,001 classes in the file; a project holds at most 1,000',
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reports each value it cannot read, keeping the rest of the row', () => {
    const file = parseOneHotCsv('filename,cat,dog\na.jpg,yes,1\nb.jpg,0.5,0\nc.jpg,constructor,1\n');
    expect(statesOf(file)).toEqual([
      ['a.jpg', { dog: 'positive' }],
      ['b.jpg', { dog: 'negative' }],
      ['c.jpg', { dog: 'positive' }],
    ]);
    expect(file.skipped).toEqual([
      { at: 'line 2, cat', reason: '"yes" is not 0 or 1' },
      { at: 'line 3, cat', reason: '"0.5" is not 0 or 1' },
      { at: 'line 4, cat', reason: '"constructor" is not 0 or 1' },
    ]);
  });

  it('refuses a malformed file with the format, the line and the reason', () => {
    const bad = (text: string) => () => parseOneHotCsv(text, 'x.csv');
    expect(bad('name,cat\na.jpg,1\n')).toThrow(
      /^one-hot-csv x\.csv line 1: expected the header "filename, <class>/,
    );
    expect(bad('filename, cat, cat\na.jpg, 1, 0\n')).toThrow(
      'one-hot-csv x.csv line 1: class "cat" has two columns',
    );
    expect(bad('filename, cat\na.jpg, 1\nb.jpg, 1, 0\n')).toThrow(
      'one-hot-csv x.csv line 3: expected 2 columns (filename and 1 classes), found 3',
    );
    expect(bad('filename, cat\na.jpg, 1\na.jpg, 0\n')).toThrow(
      'one-hot-csv x.csv line 3: a.jpg is listed again (first on line 2)',
    );
    expect(bad('filename, cat\n"a.jpg, 1\n')).toThrow('one-hot-csv x.csv line 2: unterminated quoted field');
    expect(bad(`filename, ${'c'.repeat(5000)}\na.jpg, 1\n`)).toThrow(
      /^one-hot-csv x\.csv line 1: class name of 5,000 characters/,
    );
    expect(bad('filename, cat\n')).toThrow('one-hot-csv x.csv line 1: no rows after the header');
  });

  it("imports Roboflow's export folder as it is: photos named ppe_0630_jpg.rf.<hash>.jpg, listed by that name", async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'roboflow');
    const truth = await vocTruth();
    const classes = [...new Set([...truth.values()].flat())].sort();
    const names = await vocPhotoNames(24);
    const renamed = names.map((name) => {
      const hash = createHash('md5').update(name).digest('hex');
      return `${name.replace(/\.jpg$/, '')}_jpg.rf.${hash}.jpg`;
    });
    await copyVocPhotoFilesAs(folder, names, renamed);
    const rows = names.map((name, index) =>
      [renamed[index], ...classes.map((c) => (truth.get(name)!.includes(c) ? '1' : '0'))].join(', '),
    );
    const labelsFile = join(folder, '_classes.csv');
    await writeFile(labelsFile, [['filename', ...classes].join(', '), ...rows, ''].join('\r\n'));

    const { report } = await importAndWait(api, folder, labelsFile);
    expect(report.labels).toMatchObject({ format: 'one-hot-csv', photosLabelled: 24, unmatched: 0 });
    expect(report.labels!.labelsWritten).toBe(24 * classes.length);
    const classNames = new Map((await api.listClasses({})).map((c) => [c.id, c.name]));
    const { images } = await api.listImages({ limit: 500 });
    for (const image of images) {
      const positive = image.labels
        .filter((l) => l.state === 'positive')
        .map((l) => classNames.get(l.classId));
      const original = names[renamed.indexOf(image.name)]!;
      expect(positive.sort(), image.name).toEqual([...truth.get(original)!].sort());
    }
  });
});

/** Copies the named VOC photos into `folder` under the names `as`. */
async function copyVocPhotoFilesAs(folder: string, names: string[], as: string[]): Promise<void> {
  await mkdir(folder, { recursive: true });
  await Promise.all(names.map((name, index) => copyFile(join(vocImages, name), join(folder, as[index]!))));
}
