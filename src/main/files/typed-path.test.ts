import { describe, expect, it } from 'vitest';
import { typedPath } from './typed-path';

describe('a typed path', () => {
  it('starts at the home folder when relative, never at the working folder', () => {
    const home = '/home/ana';
    expect(typedPath(home, 'birds.sqlite')).toBe('/home/ana/birds.sqlite');
    expect(typedPath(home, 'photos/../labels.csv')).toBe('/home/ana/labels.csv');
    expect(typedPath(home, '~')).toBe('/home/ana');
    expect(typedPath(home, '~/photos')).toBe('/home/ana/photos');
    expect(typedPath(home, '/data/p.sqlite')).toBe('/data/p.sqlite');
    // Only the home folder's own `~`: another user's is a folder name like any other.
    expect(typedPath(home, '~bob/x')).toBe('/home/ana/~bob/x');
  });
});
