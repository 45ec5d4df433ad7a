// Label files read in the label worker: what comes back is what the reader read, a file too large
// to hold is refused while it is read, a FIFO or a device is refused at once, and the thread that
// asked stays free while the worker parses.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newStudio } from '../../../test/fixtures/direct-api';
import { vocLabels } from '../../../test/fixtures/paths';
import { tempDir } from '../../../test/fixtures/workspace';
import { readLabelFile } from './formats';
import { jsonlFormat } from './jsonl';
import { readLabelFileInWorker } from './label-worker-client';
import type { ExchangeFile } from './records';

const lines = (header: string, count: number, row: (i: number) => string) =>
  [header, ...Array.from({ length: count }, (_, i) => row(i)), ''].join('\n');

async function fileOf(name: string, text: string): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, text);
  return path;
}

describe('a label file read in the label worker', () => {
  it('comes back as the reader read it: states, sources, scores, splits and every field', async () => {
    expect(await readLabelFileInWorker(vocLabels)).toEqual(await readLabelFile(vocLabels));
    const file: ExchangeFile = {
      format: 'jsonl',
      classes: ['cat', 'dog', 'bird'],
      records: [
        {
          name: 'a/1.jpg',
          sha256: 'a'.repeat(64),
          split: 'val',
          at: 'line 2',
          classes: new Map([
            ['cat', { state: 'positive', source: 'human', score: 0.75 }],
            ['bird', { score: 0.125 }],
          ]),
        },
        {
          name: '2.jpg',
          sha256: 'b'.repeat(64),
          split: 'none',
          at: 'line 3',
          classes: new Map([['dog', { state: 'negative', source: 'accepted' }]]),
        },
      ],
      skipped: [],
    };
    const path = await fileOf('labels.jsonl', jsonlFormat.write!(file).get('')!);
    expect(await readLabelFileInWorker(path)).toEqual(await readLabelFile(path));
    expect((await readLabelFileInWorker(path)).records).toEqual(file.records);
  });

  it('refuses a 338 KB labels.csv naming a new class a row at the class past the limit, at once', async () => {
    const path = await fileOf(
      'labels.csv',
      lines('filename,classes', 20_000, (i) => `p${i}.jpg,c${i}`),
    );
    const started = performance.now();
    await expect(readLabelFileInWorker(path)).rejects.toThrow(
      `labels.csv ${path} line 1002: class "c1000" makes 1,001 classes in the file; a project holds at most 1,000`,
    );
    expect(performance.now() - started).toBeLessThan(10_000);

    // Through the API as the app asks: the request itself fails, and says why.
    const { api, dir } = await newStudio();
    await expect(api.startImport({ folder: dir, labelsFile: path })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining('class "c1000" makes 1,001 classes'),
    });
  });

  it('refuses COCO and CVAT files of 3,000 classes at the class past the limit', async () => {
    const ids = Array.from({ length: 3_000 }, (_, i) => i + 1);
    const coco = await fileOf(
      'instances.json',
      JSON.stringify({
        images: ids.map((id) => ({ id, file_name: `p${id}.jpg` })),
        annotations: ids.map((id) => ({ id, image_id: id, category_id: id })),
        categories: ids.map((id) => ({ id, name: `c${id}` })),
      }),
    );
    await expect(readLabelFileInWorker(coco)).rejects.toThrow(
      `coco ${coco} $.categories[1000].name: class "c1001" makes 1,001 classes`,
    );
    const labels = ids.map((id) => `<label><name>c${id}</name><type>tag</type></label>`).join('\n');
    const images = ids.map((id) => `<image id="${id}" name="p${id}.jpg"><tag label="c${id}"/></image>`);
    const cvat = await fileOf(
      'annotations.xml',
      `<annotations><version>1.1</version><meta><task><labels>\n${labels}\n</labels></task></meta>\n` +
        `${images.join('\n')}\n</annotations>\n`,
    );
    await expect(readLabelFileInWorker(cvat)).rejects.toThrow(
      `cvat ${cvat} line 1002: class "c1001" makes 1,001 classes`,
    );
  });

  it('refuses a file whose photos × classes pass the budget before building them', async () => {
    // 1,000 classes, each named on ten rows: every row is said for every class.
    const path = await fileOf(
      'labels.csv',
      lines('filename,classes', 10_001, (i) => `p${i}.jpg,c${i % 1000}`),
    );
    await expect(readLabelFileInWorker(path)).rejects.toThrow(
      `labels.csv ${path}: 10,001 photos × 1,000 classes make 10,001,000 labels; a label file may hold at most 10,000,000`,
    );
  });

  it('refuses a FIFO and /dev/zero given as a labels file, at once, saying what they are', async () => {
    const fifo = join(await tempDir(), 'labels.csv');
    execFileSync('mkfifo', [fifo]);
    await expect(readLabelFileInWorker(fifo)).rejects.toThrow(
      `cannot read labels file ${fifo}: is a named pipe (FIFO), not a regular file`,
    );
    await expect(readLabelFileInWorker(fifo, 'labels-csv')).rejects.toThrow('is a named pipe (FIFO)');
    await expect(readLabelFileInWorker('/dev/zero')).rejects.toThrow(
      'cannot read labels file /dev/zero: is a character device, not a regular file',
    );
  });

  it('leaves the asking thread free while it parses: no stall near the time the parse takes', async () => {
    // A COCO file of 300,000 annotations on 1,000 photos: much to parse, little to send back.
    const ids = Array.from({ length: 1_000 }, (_, i) => i + 1);
    const path = await fileOf(
      'instances.json',
      JSON.stringify({
        images: ids.map((id) => ({ id, file_name: `p${id}.jpg`, width: 500, height: 375 })),
        annotations: Array.from({ length: 300_000 }, (_, i) => ({
          id: i + 1,
          image_id: (i % 1_000) + 1,
          category_id: (i % 20) + 1,
          bbox: [10.5, 20.25, 100, 80],
          area: 8000,
          iscrowd: 0,
        })),
        categories: Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `class ${i}` })),
      }),
    );
    /** The longest the thread went without running a 5 ms timer, while `read` ran. */
    const stallWhile = async (read: () => Promise<unknown>) => {
      const started = performance.now();
      let last = started;
      let stall = 0;
      const tick = () => {
        const now = performance.now();
        stall = Math.max(stall, now - last);
        last = now;
      };
      const timer = setInterval(tick, 5);
      await read();
      tick();
      clearInterval(timer);
      return { stall, took: performance.now() - started };
    };
    const here = await stallWhile(() => readLabelFile(path));
    const inWorker = await stallWhile(() => readLabelFileInWorker(path));
    console.log(
      `COCO of 300,000 annotations: read here ${here.took.toFixed(0)} ms (longest stall ` +
        `${here.stall.toFixed(0)} ms); in the worker ${inWorker.took.toFixed(0)} ms (longest stall ${inWorker.stall.toFixed(0)} ms)`,
    );
    expect(inWorker.stall).toBeLessThan(here.stall / 4);
  });
});
