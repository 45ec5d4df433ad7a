// Names that are also members of every JavaScript object: a class or a photo called `__proto__`,
// `constructor` or `toString` must go out and come back in every format like any other name. A
// plain object used as a map loses `__proto__` (assigning it sets the prototype) and finds the
// other two on a lookup of a name it never held.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imagePerCategory } from '../../../test/fixtures/coco';
import { tempDir } from '../../../test/fixtures/workspace';
import { exchangeFormats } from './formats';
import { readLabelFileInWorker } from './label-worker-client';
import type { ClassEntry, ExchangeFile } from './records';

const names = ['__proto__', 'constructor', 'toString'];
const classes = [...names, 'cat'];

/** Each photo named after one of the names, positive for its own class and negative for the rest. */
const sent: ExchangeFile = {
  format: 'jsonl',
  classes,
  records: names.map((name, index) => ({
    name: `${name}.jpg`,
    sha256: String(index).repeat(64),
    split: 'train',
    at: `line ${index + 2}`,
    classes: new Map<string, ClassEntry>(
      classes.map((other) => [other, { state: other === name ? 'positive' : 'negative', source: 'human' }]),
    ),
  })),
  skipped: [],
};

/** Each photo's positive classes, by its name without extension (VOC keeps only that). */
const positives = (file: ExchangeFile) =>
  new Map(
    file.records.map((record) => [
      record.name.replace(/\.jpg$/, ''),
      [...record.classes].filter(([, entry]) => entry.state === 'positive').map(([name]) => name),
    ]),
  );

async function writeAll(folder: string, files: Map<string, string>): Promise<void> {
  for (const [relative, text] of files) {
    const path = join(folder, relative);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
}

describe('__proto__, constructor and toString as class and photo names', () => {
  for (const format of exchangeFormats.filter((candidate) => candidate.write && candidate.read)) {
    it(`${format.id}: out and back, every photo with its own class`, async () => {
      const folder = await tempDir();
      // A file format's file is the written entry named ''; others (Label Studio's config) lie beside it.
      const written = new Map([...format.write!(sent)].map(([name, text]) => [name || 'labels', text]));
      await writeAll(folder, written);
      const path = format.layout === 'file' ? join(folder, 'labels') : folder;
      const back = await readLabelFileInWorker(path, format.id);
      expect([...back.classes].sort()).toEqual(expect.arrayContaining(names.sort()));
      expect(positives(back)).toEqual(new Map(names.map((name) => [name, [name]])));
    });
  }

  it('fiftyone: labels.json has a key for each photo, its class by index', () => {
    const fiftyone = exchangeFormats.find((format) => format.id === 'fiftyone')!;
    const json = JSON.parse(fiftyone.write!(sent).get('labels.json')!) as {
      classes: string[];
      labels: Record<string, { label: number }[]>;
    };
    expect(json.classes).toEqual(classes);
    expect(Object.keys(json.labels)).toEqual(names);
    for (const name of names)
      expect(Object.getOwnPropertyDescriptor(json.labels, name)?.value).toEqual([
        { label: classes.indexOf(name) },
      ]);
  });

  it('coco: categories and file names read as any other', async () => {
    const path = join(await tempDir(), 'instances.json');
    await writeFile(path, JSON.stringify(imagePerCategory(names)));
    const back = await readLabelFileInWorker(path);
    expect(back.classes).toEqual(names);
    expect(positives(back)).toEqual(new Map(names.map((name) => [name, [name]])));
  });
});
