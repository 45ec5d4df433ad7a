import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exchangeSamples, vocImages, vocRoot } from '../../../test/fixtures/paths';
import { matchRecords } from './match';
import type { ExchangeFile } from './records';
import { formatVocList, parseVocList, readVoc, vocFormat, writeVoc } from './voc';

const samples = join(exchangeSamples, 'voc');
const sample = (file: string) => readFile(join(samples, file), 'utf8');

/** A folder with `files` at their relative paths. */
async function folder(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'voc-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const flagCounts = (entries: { flag: number }[]) => ({
  present: entries.filter((entry) => entry.flag === 1).length,
  difficultOnly: entries.filter((entry) => entry.flag === 0).length,
  absent: entries.filter((entry) => entry.flag === -1).length,
});

const states = (file: ExchangeFile, className: string) => {
  const count = { positive: 0, negative: 0, unknown: 0 };
  for (const record of file.records) count[record.classes.get(className)?.state ?? 'unknown'] += 1;
  return count;
};

describe('the official VOC2007 ImageSets/Main lists', () => {
  it('person_trainval.txt (CRLF, right-aligned flags) holds 5,011 ids: 2,008 present, 87 difficult only, 2,916 absent', async () => {
    const entries = parseVocList(await sample('voc2007_person_trainval.txt'), 'person_trainval.txt');
    expect(entries).toHaveLength(5011);
    expect(flagCounts(entries)).toEqual({ present: 2008, difficultOnly: 87, absent: 2916 });
    expect(entries.slice(0, 3)).toEqual([
      { id: '000005', flag: -1, line: 1 },
      { id: '000007', flag: -1, line: 2 },
      { id: '000009', flag: 1, line: 3 },
    ]);
  });

  it('aeroplane_trainval.txt holds the same 5,011 ids: 238 present, 2 difficult only, 4,771 absent', async () => {
    const aeroplane = parseVocList(await sample('voc2007_aeroplane_trainval.txt'), 'aeroplane_trainval.txt');
    const person = parseVocList(await sample('voc2007_person_trainval.txt'), 'person_trainval.txt');
    expect(flagCounts(aeroplane)).toEqual({ present: 238, difficultOnly: 2, absent: 4771 });
    expect(aeroplane.map((entry) => entry.id)).toEqual(person.map((entry) => entry.id));
  });

  it('read as a Main folder: one record per id, difficult-only unknown by default, no split from trainval', async () => {
    const main = await folder({
      'person_trainval.txt': await sample('voc2007_person_trainval.txt'),
      'aeroplane_trainval.txt': await sample('voc2007_aeroplane_trainval.txt'),
    });
    const file = await readVoc(main);
    expect(file.classes).toEqual(['aeroplane', 'person']);
    expect(file.records).toHaveLength(5011);
    expect(file.skipped).toEqual([]);
    expect(states(file, 'person')).toEqual({ positive: 2008, negative: 2916, unknown: 87 });
    expect(states(file, 'aeroplane')).toEqual({ positive: 238, negative: 4771, unknown: 2 });
    // trainval is train and val together: which of the two an id is in, the list does not say.
    expect(file.records.every((record) => record.split === undefined)).toBe(true);
    expect(file.records[2]).toMatchObject({ name: '000009', at: 'aeroplane_trainval.txt line 3' });

    // Against the 765 VOC2007 photos we hold, by stem: each is found, the other 4,246 ids unmatched.
    const photos = new Map((await readdir(vocImages)).map((file, index) => [join(vocImages, file), index]));
    const { matched, unmatched } = matchRecords(file.records, vocImages, photos);
    expect([matched.length, unmatched.length]).toEqual([765, 5011 - 765]);

    const counted = await readVoc(main, { difficult: 'positive' });
    expect(states(counted, 'person')).toEqual({ positive: 2008 + 87, negative: 2916, unknown: 0 });
  });

  it('written back, the lists are the official files byte for byte but for the line ends', async () => {
    const main = await folder({
      'ImageSets/Main/person_trainval.txt': await sample('voc2007_person_trainval.txt'),
      'ImageSets/Main/aeroplane_trainval.txt': await sample('voc2007_aeroplane_trainval.txt'),
    });
    const written = writeVoc(await readVoc(main));
    expect([...written.keys()].sort()).toEqual([
      'ImageSets/Main/aeroplane_trainval.txt',
      'ImageSets/Main/person_trainval.txt',
      'ImageSets/Main/trainval.txt',
    ]);
    for (const className of ['person', 'aeroplane']) {
      const official = (await sample(`voc2007_${className}_trainval.txt`)).replaceAll('\r\n', '\n');
      expect(written.get(`ImageSets/Main/${className}_trainval.txt`)).toBe(official);
    }
    expect(written.get('ImageSets/Main/trainval.txt')!.split('\n')).toHaveLength(5012);
  });
});

describe("datumaro's VOC fixture", () => {
  it('one image 2007_000001 in train: aeroplane and person present, cat absent', async () => {
    const root = await folder({
      'ImageSets/Main/aeroplane_train.txt': await sample('datumaro_voc_dataset1_aeroplane_train.txt'),
      'ImageSets/Main/person_train.txt': await sample('datumaro_voc_dataset1_person_train.txt'),
      'ImageSets/Main/cat_train.txt': await sample('datumaro_voc_dataset1_cat_train.txt'),
    });
    expect(vocFormat.detect!(root, '')).toBe(true);
    const file = await vocFormat.read!(root, { difficult: 'unknown' });
    expect(file.classes).toEqual(['aeroplane', 'cat', 'person']);
    expect(file.records).toEqual([
      {
        name: '2007_000001',
        split: 'train',
        at: 'aeroplane_train.txt line 1',
        classes: new Map([
          ['aeroplane', { state: 'positive' }],
          ['cat', { state: 'negative' }],
          ['person', { state: 'positive' }],
        ]),
      },
    ]);
  });
});

describe('VOC2007 Annotations/*.xml of the 765 photos we hold', () => {
  it('give the same positives as the checked labels.csv; 102 difficult-only labels stay unknown', async () => {
    const file = await readVoc(vocRoot);
    expect(file.records).toHaveLength(765);
    expect(file.classes).toHaveLength(20);
    const csv = (await readFile(join(vocRoot, 'labels.csv'), 'utf8')).trim().split(/\r?\n/).slice(1);
    const expected = new Map(csv.map((row) => [row.split(',')[0]!, row.split(',')[1]!.split('|').sort()]));
    for (const record of file.records) {
      const positives = [...record.classes]
        .filter(([, entry]) => entry.state === 'positive')
        .map(([name]) => name);
      expect(positives.sort(), record.name).toEqual(expected.get(record.name));
    }
    const all = file.classes.map((className) => states(file, className));
    const total = (key: 'positive' | 'negative' | 'unknown') =>
      all.reduce((sum, count) => sum + count[key], 0);
    expect([total('positive'), total('unknown'), total('negative')]).toEqual([
      1136,
      102,
      765 * 20 - 1136 - 102,
    ]);
    expect(file.records[0]).toMatchObject({
      name: expect.stringMatching(/^\d{6}\.jpg$/),
      at: expect.stringMatching(/^Annotations\/\d{6}\.xml$/),
    });
  });

  it('go out as ImageSets lists and come back with every label, split and unknown as it was', async () => {
    const read = await readVoc(vocRoot);
    const splits = ['train', 'val', 'test', 'none', undefined] as const;
    const data: ExchangeFile = {
      ...read,
      records: read.records.map((record, index) => ({ ...record, split: splits[index % splits.length] })),
    };
    const written = writeVoc(data);
    expect(written.get('ImageSets/Main/dog_test.txt')!.split('\n')[0]).toMatch(/^\d{6} ( 1|-1| 0)$/);
    const back = await readVoc(await folder(Object.fromEntries(written)));
    expect(back.classes).toEqual(read.classes);
    expect(back.records).toHaveLength(765);
    back.records.forEach((record, index) => {
      const original = data.records[index]!;
      expect(record.name).toBe(original.name.replace(/\.jpg$/, ''));
      expect(record.classes).toEqual(original.classes);
      // 'none' and no split both go to trainval alone, which names no split.
      expect(record.split).toBe(original.split === 'none' ? undefined : original.split);
    });
    expect(vocFormat.loses).toEqual(['sources', 'scores']);
  });
});

describe('the list line format', () => {
  it('right-aligns the flag in two columns as the devkit does', () => {
    expect(
      formatVocList([
        { id: '000005', flag: -1 },
        { id: '000007', flag: 1 },
        { id: '000009', flag: 0 },
      ]),
    ).toBe('000005 -1\n000007  1\n000009  0\n');
  });
});

describe('what VOC cannot name', () => {
  const data = (...names: string[]): ExchangeFile => ({
    format: 'voc',
    classes: ['cat'],
    skipped: [],
    records: names.map((name) => ({ name, at: name, classes: new Map() })),
  });

  it('two photos with one id, or an id with a space, are refused rather than merged or split', () => {
    expect(() => writeVoc(data('a/000005.jpg', 'b/000005.png'))).toThrow(
      'voc b/000005.png: its VOC id 000005 is also the id of a/000005.jpg',
    );
    expect(() => writeVoc(data('my photo.jpg'))).toThrow(
      'voc my photo.jpg: a VOC image id cannot be empty or hold spaces',
    );
  });
});

describe('malformed VOC input', () => {
  it('a flag that is not 1, -1 or 0 names the file, the line and what was found', async () => {
    const main = await folder({ 'cat_train.txt': '000005 -1\n000007  1\n000009  2\n' });
    await expect(readVoc(main)).rejects.toThrow(
      'voc cat_train.txt line 3: expected "<image id> <1|-1|0>", found "000009  2"',
    );
  });

  it('an id listed twice in one list, and two lists that disagree, are refused', async () => {
    await expect(readVoc(await folder({ 'cat_train.txt': 'a  1\nb -1\na  1\n' }))).rejects.toThrow(
      'voc cat_train.txt line 3: a is listed again (first on line 1)',
    );
    await expect(
      readVoc(await folder({ 'cat_train.txt': 'a  1\n', 'cat_trainval.txt': 'a -1\n' })),
    ).rejects.toThrow('voc cat_trainval.txt line 1: a is -1 for cat but 1 in cat_train.txt line 1');
  });

  it('lists of more classes than a project holds, or more images × classes than the budget, are refused as read', async () => {
    const lists = Object.fromEntries(
      Array.from({ length: 1_001 }, (_, i) => [
        `ImageSets/Main/c${String(i).padStart(4, '0')}_train.txt`,
        'a  1\n',
      ]),
    );
    await expect(readVoc(await folder(lists))).rejects.toThrow(
      'voc c1000_train.txt line 1: class "c1000" makes 1,001 classes in the file; a project holds at most 1,000',
    );
    // 1,000 classes of image a, then a list of 10,000 more images: each image will hold all 1,000.
    const wide = Object.fromEntries(
      Array.from({ length: 1_000 }, (_, i) => [
        `ImageSets/Main/c${String(i).padStart(4, '0')}_train.txt`,
        'a  1\n',
      ]),
    );
    const ids = Array.from({ length: 10_000 }, (_, i) => `p${i}  1\n`).join('');
    await expect(readVoc(await folder({ ...wide, 'ImageSets/Main/c0999_val.txt': ids }))).rejects.toThrow(
      'voc c0999_val.txt line 10000: 10,001 photos × 1,000 classes make 10,001,000 labels',
    );
  });

  it('a broken annotation says which file, line and column', async () => {
    const root = await folder({
      'Annotations/000005.xml': '<annotation>\n  <object><name>cat</name></objekt>\n</annotation>',
    });
    await expect(readVoc(root)).rejects.toThrow(
      'voc Annotations/000005.xml line 2, column 27: </objekt> closes <object> (line 2)',
    );
  });

  it('a folder with neither lists nor annotations is refused, and other files are reported', async () => {
    await expect(readVoc(await folder({ 'notes.md': 'hi' }))).rejects.toThrow(
      'no ImageSets/Main/<class>_<split>.txt lists and no Annotations/*.xml',
    );
    const file = await readVoc(
      await folder({ 'ImageSets/Main/cat_train.txt': 'a  1\n', 'ImageSets/Main/README': 'x' }),
    );
    expect(file.skipped).toEqual([{ at: 'README', reason: 'not a <class>_<split>.txt or <split>.txt list' }]);
  });
});
