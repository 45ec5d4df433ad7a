import { describe, expect, it } from 'vitest';
import { hasTopLevelKeys } from './json-keys';

const coco = ['images', 'annotations', 'categories'];

describe('telling a JSON object by its top-level keys', () => {
  it('finds them in any order, after values of any size and nesting, and escaped', () => {
    const big = JSON.stringify({
      info: { description: 'a "quoted" {brace} [bracket] \\ backslash' },
      licenses: [{ id: 1, name: '}]' }],
      images: Array.from({ length: 10_000 }, (_, id) => ({
        id,
        file_name: `${id}.jpg`,
        size: [1, 2.5, null, true],
      })),
      annotations: [],
      categories: [{ id: 1, name: 'cat' }],
    });
    expect(hasTopLevelKeys(big, coco)).toBe(true);
    expect(hasTopLevelKeys('\uFEFF { "categories" : [], "annotations":[] ,"images":{}}', coco)).toBe(true);
    expect(hasTopLevelKeys('{"im\\u0061ges": [], "annotations": [], "categories": []}', coco)).toBe(true);
  });

  it('does not take nested keys, key-like text inside strings, a list or a file cut short for them', () => {
    expect(hasTopLevelKeys('{"data": {"images": [], "annotations": [], "categories": []}}', coco)).toBe(
      false,
    );
    expect(hasTopLevelKeys('{"note": "\\"images\\": \\"annotations\\": \\"categories\\":"}', coco)).toBe(
      false,
    );
    expect(hasTopLevelKeys('[{"images": [], "annotations": [], "categories": []}]', coco)).toBe(false);
    expect(hasTopLevelKeys('{"images": [', coco)).toBe(false);
    expect(hasTopLevelKeys('filename,classes\n', coco)).toBe(false);
  });
});
