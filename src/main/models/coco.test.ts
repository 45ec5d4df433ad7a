import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/fixtures/paths';
import { cocoClasses, modelClassFor, normaliseClassName, vocToCoco } from './coco';

describe('cocoClasses', () => {
  it('is human’s own label list, in its order (src/object/labels.ts)', async () => {
    const source = await readFile(
      join(repoRoot, 'node_modules/@vladmandic/human/src/object/labels.ts'),
      'utf8',
    );
    const labels = [...source.matchAll(/\{ class: (\d+), label: '([^']+)' \}/g)].map((m) => ({
      index: Number(m[1]) - 1,
      label: m[2],
    }));
    expect(labels).toHaveLength(80);
    for (const { index, label } of labels) expect(cocoClasses[index]).toBe(label);
    expect(new Set(cocoClasses).size).toBe(80);
  });
});

describe('modelClassFor', () => {
  it('matches names ignoring case, spaces, underscores and hyphens', () => {
    expect(modelClassFor('person', cocoClasses)).toBe(0);
    expect(modelClassFor('Dining_Table', cocoClasses)).toBe(cocoClasses.indexOf('dining table'));
    expect(modelClassFor('  TEDDY-bear ', cocoClasses)).toBe(cocoClasses.indexOf('teddy bear'));
    expect(modelClassFor('cellphone', cocoClasses)).toBe(cocoClasses.indexOf('cell phone'));
    expect(normaliseClassName('Potted  Plant')).toBe(normaliseClassName('potted_plant'));
  });

  it('maps every VOC class to its COCO class', () => {
    const voc =
      'aeroplane bicycle bird boat bottle bus car cat chair cow diningtable dog horse motorbike person pottedplant sheep sofa train tvmonitor';
    for (const name of voc.split(' ')) {
      const index = modelClassFor(name, cocoClasses);
      expect(index, name).toBeDefined();
      expect(cocoClasses[index!]).toBe(vocToCoco[name] ?? name);
    }
    expect(modelClassFor('TV Monitor', cocoClasses)).toBe(cocoClasses.indexOf('tv'));
  });

  it('finds nothing for unknown names, and synonyms only among the given classes', () => {
    expect(modelClassFor('unicorn', cocoClasses)).toBeUndefined();
    expect(modelClassFor('', cocoClasses)).toBeUndefined();
    expect(modelClassFor('sofa', ['cat', 'dog'])).toBeUndefined();
    expect(modelClassFor('sofa', ['cat', 'Couch'])).toBe(1);
    // A project's own class list as the model's (a fine-tuned model): exact names first.
    expect(modelClassFor('sofa', ['couch', 'sofa'])).toBe(1);
  });
});
