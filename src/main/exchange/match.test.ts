import { describe, expect, it } from 'vitest';
import { matchRecords } from './match';
import type { ExchangeRecord } from './records';

const record = (name: string): ExchangeRecord => ({ name, classes: new Map(), at: name });

const photos = new Map([
  ['/data/voc/JPEGImages/000005.jpg', 1],
  ['/data/voc/JPEGImages/000007.jpg', 2],
  ['/data/voc/a/same.jpg', 3],
  ['/data/voc/b/same.jpg', 4],
]);

const matchOf = (names: string[]) => {
  const { matched, unmatched } = matchRecords(names.map(record), '/data/voc', photos);
  return {
    matched: matched.map(({ imageId, record }) => [record.name, imageId]),
    unmatched: unmatched.map((r) => r.name),
  };
};

describe('matching records to photos', () => {
  it('by path relative to the imported folder, then file name, then stem', () => {
    expect(matchOf(['JPEGImages/000005.jpg', '000007.jpg', '000005', 'a/same.jpg', './b/same.jpg'])).toEqual({
      matched: [
        ['JPEGImages/000005.jpg', 1],
        ['000007.jpg', 2],
        ['000005', 1],
        ['a/same.jpg', 3],
        ['./b/same.jpg', 4],
      ],
      unmatched: [],
    });
  });

  it('takes a path from another machine by its file name, Windows separators too', () => {
    expect(matchOf(['C:\\labels\\000007.jpg', '/elsewhere/000005.png']).matched).toEqual([
      ['C:\\labels\\000007.jpg', 2],
      ['/elsewhere/000005.png', 1],
    ]);
  });

  it('leaves a name that two photos share unmatched rather than guess, and reports every unmatched record', () => {
    expect(matchOf(['same.jpg', 'same', 'missing.jpg'])).toEqual({
      matched: [],
      unmatched: ['same.jpg', 'same', 'missing.jpg'],
    });
  });

  it('tries the name a tool renamed the photo from only where the name as written matches nothing', () => {
    const renamed = (name: string, fallbackName: string): ExchangeRecord => ({
      ...record(name),
      fallbackName,
    });
    const folder = new Map([...photos, ['/data/voc/000005_jpg.rf.0a1b2c3d.jpg', 5]]);
    const { matched, unmatched } = matchRecords(
      [
        renamed('000005_jpg.rf.0a1b2c3d.jpg', '000005.jpg'),
        renamed('000007_jpg.rf.9e8f7a6b.jpg', '000007.jpg'),
      ],
      '/data/voc',
      folder,
    );
    expect(matched.map(({ imageId, record }) => [record.name, imageId])).toEqual([
      ['000005_jpg.rf.0a1b2c3d.jpg', 5],
      ['000007_jpg.rf.9e8f7a6b.jpg', 2],
    ]);
    expect(unmatched).toEqual([]);
  });
});
