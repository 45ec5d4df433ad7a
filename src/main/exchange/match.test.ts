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
});
