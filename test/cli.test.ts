// The csra-studio command line, run as a user runs it: the built bin, real projects, real photos.
import { execFile, execFileSync, spawn, type ExecFileOptions } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/main/db/connection';
import { countImages } from '../src/main/db/images';
import type { EvalReport } from '$shared/contract';
import { repoRoot, vocImages, vocLabels } from './fixtures/paths';
import { copyVocPhotoFiles, copyVocPhotos, tempDir, vocClasses, vocPhotoNames } from './fixtures/workspace';
import { vocDerivedClasses, vocTruth, writeDerivedLabelsCsv } from './fixtures/voc';

const bin = join(repoRoot, 'bin', 'csra-studio.js');

async function cli(
  args: string[],
  options: Pick<ExecFileOptions, 'uid' | 'gid' | 'timeout' | 'killSignal'> = {},
) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], options);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('csra-studio import', () => {
  it('imports the 765 VOC photos with their 20 classes, and adds nothing the second time', async () => {
    const project = join(await tempDir(), 'demo.sqlite');
    const first = await cli(['import', project, vocImages, '--labels', vocLabels]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      '765 photos found: 765 new, 0 already in the project, 0 duplicates, 0 skipped',
    );
    expect(first.stdout).toContain('labels: 20 classes, 765 photos labelled, 15300 labels written');
    expect(first.stdout).toContain('labels file format: labels-csv');
    expect(first.stdout).toContain('project: 20 classes');

    const second = await cli(['import', project, vocImages, '--labels', vocLabels, '--json']);
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout);
    expect(report).toMatchObject({
      found: 765,
      added: 0,
      existing: 765,
      project: { imageCount: 765, classCount: 20 },
    });
    expect(report.labels.labelsWritten).toBe(0);

    const out = join(await tempDir(), 'labels.csv');
    const exported = await cli(['export', project, '--format', 'labels-csv', '--out', out]);
    expect(exported).toMatchObject({ code: 0, stdout: `wrote 765 photos to ${out} (labels-csv)\n` });
    const sortClasses = (text: string) =>
      text
        .trim()
        .split(/\r?\n/)
        .map((line) =>
          line.replace(/,(.*)$/, (_, classes: string) => ',' + classes.split('|').sort().join('|')),
        );
    expect(sortClasses(await readFile(out, 'utf8'))).toEqual(sortClasses(await readFile(vocLabels, 'utf8')));
  });

  it('lists photos it may not read, running as an ordinary user, and imports the rest', async () => {
    const dir = await tempDir();
    const folder = join(dir, 'photos');
    const { names } = await copyVocPhotos(folder, 3);
    await mkdir(join(folder, 'private'));
    await chmod(join(folder, names[0]!), 0o000);
    await chmod(join(folder, 'private'), 0o000);
    // Root reads everything: run the CLI as "nobody" so permissions really apply.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (asUser.uid) {
      await chmod(dir, 0o777);
      await chown(folder, 65534, 65534);
    }
    const project = join(dir, 'p.sqlite');
    const result = await cli(['import', project, folder], asUser);
    expect(result.stderr).not.toMatch(/Error:/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '3 photos found: 2 new, 0 already in the project, 0 duplicates, 2 skipped',
    );
    expect(result.stdout).toContain(
      `skipped    ${join(folder, names[0]!)}: cannot read file: permission denied`,
    );
    expect(result.stdout).toContain(
      `skipped    ${join(folder, 'private')}: unreadable folder: permission denied`,
    );
  });

  it('finishes an import past links to a FIFO and to /dev/zero, listing them as skipped', async () => {
    const dir = await tempDir();
    const folder = join(dir, 'photos');
    const { names } = await copyVocPhotos(folder, 2);
    await mkdir(join(dir, 'pipes'));
    execFileSync('mkfifo', [join(dir, 'pipes', 'f1')]);
    await symlink(join(dir, 'pipes', 'f1'), join(folder, 'x1.jpg'));
    await symlink('/dev/zero', join(folder, 'x2.jpg'));
    // Before the fix this import never ended, SIGTERM or not: a stuck one must fail the spec, not hang it.
    const result = await cli(['import', join(dir, 'p.sqlite'), folder], {
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${names.length} photos found: ${names.length} new`);
    expect(result.stdout).toContain(
      `skipped    ${join(folder, 'x1.jpg')}: symbolic link to a named pipe (FIFO), not a regular file`,
    );
    expect(result.stdout).toContain(
      `skipped    ${join(folder, 'x2.jpg')}: symbolic link to a character device, not a regular file`,
    );
  });

  it('survives being killed mid-import: the project opens intact and the next run finishes the job', async () => {
    const dir = await tempDir();
    const project = join(dir, 'killed.sqlite');
    const child = spawn(process.execPath, [bin, 'import', project, vocImages, '--labels', vocLabels]);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Watch the project from outside, as a second reader would, and kill the import mid-way.
    let partial = 0;
    while (partial < 64) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      if (!existsSync(project)) continue;
      try {
        const db = openDatabase(project, { create: false });
        partial = countImages(db);
        db.close();
      } catch {
        // Caught while the child was still creating the schema: look again.
      }
    }
    child.kill('SIGKILL');
    await exited;

    const db = openDatabase(project, { create: false });
    const committed = countImages(db);
    db.close();
    expect(committed).toBeGreaterThanOrEqual(64);
    expect(committed).toBeLessThan(765);

    const resumed = await cli(['import', project, vocImages, '--labels', vocLabels, '--json']);
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout);
    expect(report).toMatchObject({ found: 765, added: 765, existing: 0, duplicates: [], skipped: [] });
    expect(report.project.imageCount).toBe(765);
    expect(report.labels.labelsWritten).toBe(15300);
  });

  it('exits 2 with a one-line reason on bad input', async () => {
    const dir = await tempDir();
    const project = join(dir, 'p.sqlite');
    const badCsv = join(dir, 'bad.csv');
    await writeFile(badCsv, 'filename,classes\n000005.jpg\n');
    const notAProject = join(dir, 'notes.sqlite');
    await writeFile(notAProject, 'hello, I am a text file and not a database at all, sorry about that');
    const cases: [string[], RegExp][] = [
      [['import', project], /expected 2 argument\(s\), got 1/],
      [['import', project, join(dir, 'nowhere')], /cannot open folder .*nowhere: no such file/],
      [['import', project, vocImages, '--labels', badCsv], /bad\.csv line 2: expected 2 columns/],
      [
        ['import', project, vocImages, '--labels', join(dir, 'none.csv')],
        /cannot read labels file .*: no such file/,
      ],
      [['import', notAProject, vocImages], /is not a CSRA Studio project/],
      [['import', project, vocImages, '--bogus'], /Unknown option '--bogus'/],
      [
        ['export', project, '--format', 'xml', '--out', join(dir, 'x')],
        /unknown format "xml" \(export: jsonl, labels-csv/,
      ],
      [['export', join(dir, 'missing.sqlite'), '--out', join(dir, 'x.csv')], /no project at/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [args, reason] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0]).toMatch(reason);
    }
    expect(await readFile(notAProject, 'utf8')).toMatch(/^hello, I am a text file/);
  });

  it('exits 2 with the reason on a hostile labels file: XML 200,000 deep, 20,000 classes, a FIFO', async () => {
    const dir = await tempDir();
    const project = join(dir, 'p.sqlite');
    const deep = join(dir, 'annotations.xml');
    await writeFile(
      deep,
      `<annotations><version>1.1</version>\n${'<a>'.repeat(200_000)}${'</a>'.repeat(200_000)}</annotations>\n`,
    );
    const manyClasses = join(dir, 'labels.csv');
    const rows = Array.from({ length: 20_000 }, (_, i) => `p${i}.jpg,c${i}`);
    await writeFile(manyClasses, ['filename,classes', ...rows, ''].join('\n'));
    const fifo = join(dir, 'fifo.csv');
    await promisify(execFile)('mkfifo', [fifo]);
    const cases: [string, RegExp][] = [
      [deep, /annotations\.xml line 2, column 298: elements nested more than 100 deep/],
      [
        manyClasses,
        /labels\.csv line 1002: class "c1000" makes 1,001 classes in the file; a project holds at most 1,000$/,
      ],
      [fifo, /cannot read labels file .*fifo\.csv: is a named pipe \(FIFO\), not a regular file$/],
    ];
    for (const [labels, reason] of cases) {
      const result = await cli(['import', project, vocImages, '--labels', labels]);
      expect(result.code, labels).toBe(2);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr.trimEnd()).toMatch(reason);
    }
  });

  it('exits 2 naming the unknown command, even one named like a member of every object', async () => {
    for (const command of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const result = await cli([command]);
      expect(result.code, command).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(`unknown command "${command}"`);
      expect(result.stderr).toContain('csra-studio export   <project.sqlite> [--format ID] --out PATH');
    }
  });

  it('leaves nothing behind when the import into a new project fails, and keeps what was there before', async () => {
    const dir = await tempDir();
    const project = join(dir, 'new.sqlite');
    const badCsv = join(dir, 'bad.csv');
    await writeFile(badCsv, `filename,classes\n000005.jpg,${'x'.repeat(5000)}\n`);
    const cases: [string[], RegExp][] = [
      [['import', project, join(dir, 'no', 'such', 'folder')], /cannot open folder .*: no such file/],
      [
        ['import', project, vocImages, '--labels', badCsv],
        /line 2: class name of 5,000 characters; at most 100/,
      ],
    ];
    for (const [args, reason] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0]).toMatch(reason);
      expect(await readdir(dir)).toEqual(['bad.csv']);
    }
    // A thumbnail folder that was there first stays, with what it holds.
    await mkdir(join(dir, 'new.thumbs'));
    await writeFile(join(dir, 'new.thumbs', 'keep.txt'), 'mine');
    expect((await cli(cases[0]![0])).code).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['bad.csv', 'new.thumbs']);
    expect(await readFile(join(dir, 'new.thumbs', 'keep.txt'), 'utf8')).toBe('mine');
  });
});

describe('csra-studio export', () => {
  it("exits 2 for an output path that is the project's own file, and the project keeps its labels", async () => {
    const dir = await tempDir();
    const { labelsFile } = await copyVocPhotos(join(dir, 'photos'), 3);
    const project = join(dir, 'p.sqlite');
    expect((await cli(['import', project, join(dir, 'photos'), '--labels', labelsFile])).code).toBe(0);
    await symlink(project, join(dir, 'link.sqlite'));
    for (const out of [project, `${project}-wal`, join(dir, 'link.sqlite'), join(dir, 'p.thumbs', 'l.csv')]) {
      const result = await cli(['export', project, '--out', out]);
      expect(result.code, out).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(
        `csra-studio export: ${out} is the project's own file; choose another output path`,
      );
    }
    const out = join(dir, 'labels.jsonl');
    expect(await cli(['export', project, '--out', out])).toMatchObject({
      code: 0,
      stdout: `wrote 3 photos to ${out} (jsonl)\n`,
    });
  });

  it('says what a format loses before writing, exports one split, and the file imports back in its detected format', async () => {
    const dir = await tempDir();
    const { labelsFile } = await copyVocPhotos(join(dir, 'photos'), 5);
    const project = join(dir, 'p.sqlite');
    expect((await cli(['import', project, join(dir, 'photos'), '--labels', labelsFile])).code).toBe(0);
    expect((await cli(['split', project, '--val', '0.4'])).code).toBe(0);

    const out = join(dir, 'val.csv');
    const exported = await cli([
      'export',
      project,
      '--format',
      'one-hot-csv',
      '--split',
      'val',
      '--out',
      out,
    ]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(
      'note: this format cannot say splits: the split of 2 photos will be left out\n' +
        `wrote 2 photos to ${out} (one-hot-csv)\n`,
    );
    const back = await cli(['import', join(dir, 'back.sqlite'), join(dir, 'photos'), '--labels', out]);
    expect(back.stdout).toContain('labels file format: one-hot-csv\n');
    expect(back.stdout).toContain('photos labelled');

    const voc = join(dir, 'voc');
    expect((await cli(['export', project, '--format', 'voc', '--out', voc])).code).toBe(0);
    const named = await cli([
      'import',
      join(dir, 'voc.sqlite'),
      join(dir, 'photos'),
      '--labels',
      voc,
      '--format',
      'voc',
    ]);
    expect(named.stdout).toContain('labels file format: voc\n');
    expect((await cli(['formats'])).stdout).toMatch(
      /^jsonl +CSRA Studio labels .*\(import, export; lossless\)$/m,
    );
  });

  it('into a folder it may not write, fails with the reason and leaves the folder as it was', async () => {
    const dir = await tempDir();
    await copyVocPhotos(join(dir, 'photos'), 2);
    const project = join(dir, 'p.sqlite');
    expect((await cli(['import', project, join(dir, 'photos')])).code).toBe(0);
    const readOnly = join(dir, 'read-only');
    await mkdir(readOnly);
    await writeFile(join(readOnly, 'labels.csv'), 'previous\n');
    await chmod(readOnly, 0o555);
    // Root writes everywhere: run the CLI as "nobody" so the folder's permissions really apply.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (asUser.uid) {
      await chmod(dir, 0o777);
      await chown(project, 65534, 65534);
    }
    const out = join(readOnly, 'labels.jsonl');
    const result = await cli(['export', project, '--out', out], asUser);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(`csra-studio export: cannot write ${out}: permission denied`);
    const existing = join(readOnly, 'labels.csv');
    const over = await cli(['export', project, '--format', 'labels-csv', '--out', existing], asUser);
    expect(over.code).toBe(2);
    expect(over.stderr.split('\n')[0]).toBe(
      `csra-studio export: ${existing} already exists; an export writes only new files: choose another name`,
    );
    expect(await readdir(readOnly)).toEqual(['labels.csv']);
    expect(await readFile(existing, 'utf8')).toBe('previous\n');
  });

  it("exits 2 rather than export into the folder of the project's photos, which stay as they were", async () => {
    const dir = await tempDir();
    const d = join(dir, 'd');
    const [first, second] = await vocPhotoNames(2);
    // Two different photos of one name: imagefolder would copy d/a.jpg to <out>/train/a.jpg.
    const photos = new Map([
      ['a.jpg', await readFile(join(vocImages, first!))],
      ['train/a.jpg', await readFile(join(vocImages, second!))],
    ]);
    await mkdir(join(d, 'train'), { recursive: true });
    for (const [name, bytes] of photos) await writeFile(join(d, name), bytes);
    const labels = join(dir, 'labels.csv');
    await writeFile(labels, 'filename,classes\na.jpg,dog\ntrain/a.jpg,horse\n');
    const project = join(dir, 'p.sqlite');
    expect((await cli(['import', project, d, '--labels', labels])).code).toBe(0);

    for (const format of ['imagefolder', 'fiftyone']) {
      const result = await cli(['export', project, '--format', format, '--out', d]);
      expect(result.code, format).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(
        `csra-studio export: ${d} is a folder of the project's photos; export elsewhere`,
      );
    }
    expect(await readdir(d)).toEqual(['a.jpg', 'train']);
    for (const [name, bytes] of photos) expect(await readFile(join(d, name))).toEqual(bytes);
  });

  it('with --out - writes one file to stdout and the rest to stderr, and refuses a format that writes more', async () => {
    const dir = await tempDir();
    const { labelsFile } = await copyVocPhotos(join(dir, 'photos'), 3);
    const project = join(dir, 'p.sqlite');
    expect((await cli(['import', project, join(dir, 'photos'), '--labels', labelsFile])).code).toBe(0);
    const file = join(dir, 'labels.csv');
    expect((await cli(['export', project, '--format', 'one-hot-csv', '--out', file])).code).toBe(0);

    const piped = await cli(['export', project, '--format', 'one-hot-csv', '--out', '-']);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(await readFile(file, 'utf8'));
    expect(piped.stderr).toMatch(/(^|\n)wrote 3 photos to stdout \(one-hot-csv\)\n$/);
    for (const [format, reason] of [
      ['imagefolder', 'imagefolder writes a folder, not one file: export it to a folder'],
      [
        'label-studio',
        'label-studio writes label-config.xml beside its file, not one file: export it to a file',
      ],
    ]) {
      const refused = await cli(['export', project, '--format', format!, '--out', '-']);
      expect(refused, format).toMatchObject({
        code: 2,
        stdout: '',
        stderr: `csra-studio export: ${reason}\n`,
      });
    }
  });
});

describe('csra-studio predict, prelabel and eval', () => {
  it('predict writes one row per photo of a bare folder with the 80 COCO classes', async () => {
    const folder = join(await tempDir(), 'photos');
    const { names } = await copyVocPhotos(folder, 5);
    await writeFile(join(folder, 'broken.jpg'), 'not a photo');
    const result = await cli(['predict', folder, '--ep', 'cpu']);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trim().split('\n');
    const columns = header!.split(',');
    expect(columns[0]).toBe('filename');
    expect(columns).toHaveLength(81);
    expect(columns.slice(1, 4)).toEqual(['person', 'bicycle', 'car']);
    expect(rows.map((row) => row.split(',')[0])).toEqual(names);
    for (const row of rows) {
      const values = row.split(',').slice(1).map(Number);
      expect(values).toHaveLength(80);
      expect(values.every((value) => value >= 0 && value <= 1)).toBe(true);
    }
    expect(result.stderr).toContain('on cpu');
    expect(result.stderr).toMatch(/^skipped 1 file: cannot decode: .* \(e\.g\. .*broken\.jpg\)$/m);
  });

  it('predict on a folder with no photo in it says what it skipped, by reason, and exits 1', async () => {
    const folder = join(await tempDir(), 'notes');
    await mkdir(folder);
    for (let i = 0; i < 40; i += 1) await writeFile(join(folder, `note${i}.txt`), `note ${i}\n`);
    for (const name of ['a.jpg', 'b.png']) await writeFile(join(folder, name), 'not a photo');
    const result = await cli(['predict', folder, '--ep', 'cpu']);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.filter((line) => line.startsWith('skipped'))).toEqual([
      'skipped 40 files: not named like a photo (.jpg, .png, …)',
      expect.stringMatching(/^skipped 2 files: cannot decode: .* \(e\.g\. .*a\.jpg\)$/),
    ]);
    expect(lines.at(-1)).toBe(`csra-studio predict: no photo under ${folder} could be predicted`);
  });

  it('ends quietly when the reader of its output goes away (predict | head -1, formats | head -1)', async () => {
    const folder = join(await tempDir(), 'photos');
    await copyVocPhotos(folder, 2);
    for (const args of [['formats'], ['predict', folder, '--ep', 'cpu']]) {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      // Closed before the command writes a line: every write it makes meets EPIPE.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(child, 'close')) as [number];
      expect(stderr).not.toMatch(/EPIPE|Error/);
      expect(code).toBe(0);
    }
  });

  it('pre-labels a project, evaluates it against its labels, and predicts its own classes', async () => {
    const dir = await tempDir();
    const folder = join(dir, 'photos');
    await copyVocPhotos(folder, 8);
    const project = join(dir, 'p.sqlite');
    await cli(['import', project, folder, '--labels', join(folder, 'labels.csv')]);

    expect(await cli(['eval', project])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/not been pre-labelled|pre-label it first/),
    });
    const prelabel = await cli(['prelabel', project, '--ep', 'cpu']);
    expect(prelabel.code).toBe(0);
    expect(prelabel.stdout).toMatch(
      /^8 photos predicted with coco80-centernet@\S+ on cpu at [\d.]+ photos\/s, 0 skipped/,
    );

    const evaluation = await cli(['eval', project, '--json']);
    expect(evaluation.code).toBe(0);
    const report = JSON.parse(evaluation.stdout);
    expect(report).toMatchObject({ split: 'all', images: 8, unpredicted: 0 });
    expect(report.mAP).toBeGreaterThan(0.5);
    const text = (await cli(['eval', project])).stdout;
    expect(text).toMatch(
      /^\S+ \(version 1, coco80-centernet@\S+\) on 8 photos \(split all\)[^]*\nmAP +\d+\.\d/,
    );
    // Each class at its threshold in use: AP, the threshold, P, R, F1 and the labels the model
    // agrees with and disputes, as the JSON report gives them.
    const shown = report.perClass.find((entry: { positives: number }) => entry.positives > 0);
    const at = shown.atThreshold;
    const figure = (value: number | null) => (value === null ? '-' : (100 * value).toFixed(1));
    expect(text).toMatch(
      /\nclass +AP +thresh +P +R +F1 +positive: agreed disputed +negative: agreed disputed +unknown\n/,
    );
    expect(
      text
        .split('\n')
        .find((line) => line.startsWith(`${shown.class} `))!
        .trim()
        .split(/ +/),
    ).toEqual([
      shown.class,
      figure(shown.ap),
      at.threshold.toFixed(2),
      figure(at.precision),
      figure(at.recall),
      figure(at.f1),
      ...[at.positiveAgreed, at.positiveDisputed, at.negativeAgreed, at.negativeDisputed, shown.unknown].map(
        String,
      ),
    ]);
    expect(at.positiveAgreed + at.positiveDisputed).toBe(shown.positives);
    expect(shown.curve.length).toBeGreaterThan(0);

    const predicted = await cli(['predict', folder, '--project', project, '--ep', 'cpu']);
    const header = predicted.stdout.split('\n')[0]!.split(',');
    const classes = (await readFile(join(folder, 'labels.csv'), 'utf8'))
      .split(/\r?\n/)
      .slice(1)
      .join('|')
      .split(/[|,]/);
    expect(header.slice(1).every((name) => classes.includes(name))).toBe(true);
  });

  it('review lists a queue with why each item is there, as text or JSON', async () => {
    const dir = await tempDir();
    const folder = join(dir, 'photos');
    const names = await vocPhotoNames(10);
    await copyVocPhotoFiles(folder, names);
    const labels = join(dir, 'labels.csv');
    await writeDerivedLabelsCsv(labels, names.slice(0, 8), {});
    const project = join(dir, 'p.sqlite');
    await cli(['import', project, folder, '--labels', labels]);
    expect((await cli(['prelabel', project, '--ep', 'cpu'])).code).toBe(0);

    const next = await cli(['review', project, '--queue', 'next', '--json']);
    expect(next.code).toBe(0);
    const page = JSON.parse(next.stdout);
    expect(page).toMatchObject({ queue: 'next', total: 2 });
    expect(page.items.map((item: { path: string }) => item.path).sort()).toEqual(
      names.slice(8).map((name) => join(folder, name)),
    );
    const disputed = JSON.parse((await cli(['review', project, '--queue', 'disputed', '--json'])).stdout);
    expect(disputed.total).toBeGreaterThan(0);
    const text = await cli(['review', project, '--queue', 'disputed', '--limit', '1']);
    const [first] = disputed.items;
    expect(text.stdout).toBe(
      `disputed: ${disputed.total} item${disputed.total === 1 ? '' : 's'}` +
        `${disputed.total > 1 ? ', the first 1' : ''}\n  ${first.path}: ${first.reason}\n`,
    );
    expect(first.reason).toMatch(/^labelled .+ \(imported\), the model gives .+ at threshold 0\.50$/);
    for (const args of [
      ['--queue', 'doubtful'],
      ['--queue', 'next', '--limit', '0'],
    ]) {
      const result = await cli(['review', project, ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toMatch(/--queue must be one of|--limit must be/);
    }
  });

  it('review pages through a queue of any length, naming each photo file and class', async () => {
    const dir = await tempDir();
    const folder = join(dir, 'photos');
    const names = await vocPhotoNames(30);
    await copyVocPhotoFiles(folder, names);
    // 3 photos labelled for the 20 VOC classes, in one-hot CSV (every class a column): the other
    // 27 photos × 20 classes are unknown pairs, 540 in the uncertain queue.
    const classes = await vocClasses();
    const truth = await vocTruth();
    const labels = join(dir, '_classes.csv');
    const rows = names
      .slice(0, 3)
      .map((name) => [name, ...classes.map((c) => (truth.get(name)!.includes(c) ? 1 : 0))].join(','));
    await writeFile(labels, [['filename', ...classes].join(','), ...rows, ''].join('\n'));
    const project = join(dir, 'p.sqlite');
    expect((await cli(['import', project, folder, '--labels', labels])).code).toBe(0);
    expect((await cli(['prelabel', project, '--ep', 'cpu'])).code).toBe(0);

    const whole = await cli(['review', project, '--queue', 'uncertain', '--limit', '1000', '--json']);
    expect(whole.code).toBe(0);
    const queue = JSON.parse(whole.stdout);
    expect(queue).toMatchObject({ queue: 'uncertain', total: 540, offset: 0 });
    const pairs = queue.items.map(
      (item: { imageId: number; classId: number }) => `${item.imageId}:${item.classId}`,
    );
    expect(new Set(pairs).size).toBe(540);
    for (const item of queue.items) {
      expect(names.slice(3).map((name) => join(folder, name))).toContain(item.path);
      expect(classes).toContain(item.className);
      expect(item.reason.startsWith(`${item.className} unknown`)).toBe(true);
    }
    const rest = JSON.parse(
      (await cli(['review', project, '--queue', 'uncertain', '--offset', '500', '--limit', '100', '--json']))
        .stdout,
    );
    expect(rest).toMatchObject({ total: 540, offset: 500 });
    expect(rest.items).toEqual(queue.items.slice(500));
    const text = await cli(['review', project, '--queue', 'uncertain', '--offset', '530']);
    expect(text.stdout.split('\n')[0]).toBe('uncertain: 540 items, 531 to 540');
    const bad = await cli(['review', project, '--queue', 'uncertain', '--offset', '-1']);
    expect(bad.code).toBe(2);
  }, 300_000);

  it('exits 2 naming an execution provider that cannot run or does not exist', async () => {
    const folder = join(await tempDir(), 'photos');
    await copyVocPhotos(folder, 1);
    expect(await cli(['predict', folder, '--ep', 'cuda'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /^csra-studio predict: the cuda execution provider is not available here/,
      ),
    });
    expect(await cli(['predict', folder, '--ep', 'gpu'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--ep must be one of auto, cpu, webgpu, cuda/),
    });
  });
});

describe('csra-studio on a file that is not a project', () => {
  it("exits 2 on another application's database, and leaves it byte for byte as it was", async () => {
    const dir = await tempDir();
    const other = join(dir, 'other.sqlite');
    const db = new Database(other);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hi')");
    db.close();
    const before = await readFile(other);
    const result = await cli(['eval', other]);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(
      /other\.sqlite is not a CSRA Studio project \(it is another application's SQLite database\)$/,
    );
    expect(await readFile(other)).toEqual(before);
    for (const beside of ['-wal', '-shm', '-journal']) expect(existsSync(other + beside), beside).toBe(false);
  });
});

describe('csra-studio split', () => {
  it('splits the labelled photos 80/20 by default, keeps the splits on a second run, and redoes them with --reassign', async () => {
    const dir = await tempDir();
    const folder = join(dir, 'photos');
    const { labelsFile } = await copyVocPhotos(folder, 12);
    await copyVocPhotoFiles(join(dir, 'unlabelled'), (await vocPhotoNames(15)).slice(12));
    const project = join(dir, 'p.sqlite');
    await cli(['import', project, folder, '--labels', labelsFile]);
    await cli(['import', project, join(dir, 'unlabelled')]);

    const first = await cli(['split', project]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe(
      [
        '12 of 15 photos in a split',
        '  train  10  83.3 %',
        '  val     2  16.7 %',
        '  test    0  0.0 %',
        '  none    3  no split (photos without labels)',
        '',
      ].join('\n'),
    );
    // Photos with a split keep it, whatever the shares asked for now.
    const again = await cli(['split', project, '--val', '0.25', '--seed', '7', '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ train: 10, val: 2, test: 0, none: 3 });
    const redone = await cli(['split', project, '--val', '0.25', '--test', '0.25', '--reassign', '--json']);
    expect(JSON.parse(redone.stdout)).toEqual({ train: 6, val: 3, test: 3, none: 3 });
  });

  it('exits 2 with a one-line reason on bad shares, seeds and projects', async () => {
    const dir = await tempDir();
    const project = join(dir, 'p.sqlite');
    const cases: [string[], RegExp][] = [
      [['split', project, '--val', 'lots'], /--val must be a number from 0 to 0\.9, got "lots"/],
      [['split', project, '--test', '0.95'], /--test must be a number from 0 to 0\.9/],
      [['split', project, '--val', '0.6', '--test', '0.4'], /together must leave photos for train/],
      [['split', project, '--seed=1.5'], /--seed must be a whole number/],
      [['split', join(dir, 'missing.sqlite')], /no project at/],
      [['split'], /expected 1 argument\(s\), got 0/],
    ];
    for (const [args, reason] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0]).toMatch(reason);
    }
  });
});

/**
 * A project of 40 VOC photos labelled for the VOC classes and a new one, `animal`, that COCO lacks:
 * enough for a version to be trained.
 */
async function animalProject() {
  const dir = await tempDir();
  const folder = join(dir, 'photos');
  const names = await vocPhotoNames(40);
  await copyVocPhotoFiles(folder, names);
  const labels = join(dir, 'labels.csv');
  await writeDerivedLabelsCsv(labels, names, { animal: vocDerivedClasses.animal });
  const project = join(dir, 'p.sqlite');
  expect((await cli(['import', project, folder, '--labels', labels])).code).toBe(0);
  return { dir, folder, project };
}

describe('csra-studio move and copy', () => {
  it('carry a trained project with its folders; renamed by hand with them it keeps its versions, without them it says what it lacks', async () => {
    const { dir, project } = await animalProject();
    expect((await cli(['train', project, '--activate', 'never'])).code).toBe(0);
    // As a project trained before versions were named within their folder: from the project's folder.
    const db = new Database(project);
    db.prepare("UPDATE models SET head_file = 'p.models/v2' WHERE id = 2").run();
    db.close();

    // mv p.sqlite m.sqlite, and its folders alike.
    for (const suffix of ['.sqlite', '.models', '.thumbs', '.features'])
      if (existsSync(join(dir, `p${suffix}`))) await rename(join(dir, `p${suffix}`), join(dir, `m${suffix}`));
    const renamed = join(dir, 'm.sqlite');
    const activated = await cli(['models', renamed, '--activate', '2']);
    expect(activated.code).toBe(0);
    expect(activated.stderr).not.toContain('note:');
    expect(activated.stdout).toMatch(/^\*\s+2\s/m);

    const copy = join(dir, 'c.sqlite');
    expect(await cli(['copy', renamed, copy])).toMatchObject({
      code: 0,
      stdout: `copied the project with its folders to ${copy}\n`,
    });
    const versions = (path: string) =>
      cli(['models', path, '--json']).then((result) =>
        JSON.parse(result.stdout).map((v: { id: number; active: boolean; problem: string | null }) => [
          v.id,
          v.active,
          v.problem,
        ]),
      );
    expect(await versions(copy)).toEqual([
      [1, false, null],
      [2, true, null],
    ]);
    const again = await cli(['copy', renamed, copy]);
    expect(again.code).toBe(2);
    expect(again.stderr.split('\n')[0]).toBe(
      `csra-studio copy: ${copy} already exists; a project is never copied over anything`,
    );

    const moved = join(dir, 'd.sqlite');
    const holder = openDatabase(copy, { create: false });
    const refused = await cli(['move', copy, moved]);
    holder.close();
    expect(refused.code).toBe(2);
    expect(refused.stderr.split('\n')[0]).toBe(
      `csra-studio move: ${copy} is open in another process (the app, a host or a command); close it there first`,
    );
    expect(existsSync(moved)).toBe(false);
    expect(await cli(['move', copy, moved])).toMatchObject({
      code: 0,
      stdout: `moved the project with its folders to ${moved}\n`,
    });
    expect((await readdir(dir)).filter((name) => name.startsWith('c.'))).toEqual([]);
    expect(await versions(moved)).toEqual([
      [1, false, null],
      [2, true, null],
    ]);

    // mv d.sqlite e.sqlite alone: it opens, and says which folders it expected.
    const alone = join(dir, 'e.sqlite');
    await rename(moved, alone);
    const lacking = await cli(['models', alone]);
    expect(lacking.code).toBe(0);
    expect(lacking.stderr).toContain(
      `note: ${join(dir, 'e.models')} is missing, so trained versions v2 cannot be used; ` +
        'a project moves with its folders (csra-studio move)\n',
    );
    expect(lacking.stdout).toContain(`its folder ${join(dir, 'e.models', 'v2')} is missing`);
  }, 600_000);
});

describe('csra-studio train, models and predict --project', () => {
  it('fine-tunes on the labels, makes a version that predicts a class COCO lacks, and lists and re-activates versions', async () => {
    const { folder, project } = await animalProject();

    const trained = await cli(['train', project, '--json']);
    expect(trained.code).toBe(0);
    const report = JSON.parse(trained.stdout);
    expect(report).toMatchObject({ status: 'done', activated: true, version: { id: 2, active: true } });
    expect(report.backend).toMatch(/^(onnxruntime|tfjs)-/);
    expect(report.comparison.perClass.map((entry: { class: string }) => entry.class)).toContain('animal');
    expect(trained.stderr).toMatch(/final epoch \d+: loss [\d.]+, val mAP/);

    // The version pre-labelled every photo before the command ended.
    const evaluated = JSON.parse((await cli(['eval', project, '--split', 'val', '--json'])).stdout);
    expect(evaluated).toMatchObject({ model: report.version.pack, unpredicted: 0 });
    // predict reads the active version, animal included.
    const predicted = await cli(['predict', folder, '--project', project, '--ep', 'cpu']);
    const [header, ...values] = predicted.stdout.trim().split('\n');
    expect(header!.split(',')).toContain('animal');
    const animal = header!.split(',').indexOf('animal');
    expect(values.every((row) => Number(row.split(',')[animal]) >= 0)).toBe(true);

    const listed = JSON.parse((await cli(['models', project, '--json'])).stdout);
    expect(listed.map((v: { id: number; active: boolean }) => [v.id, v.active])).toEqual([
      [1, false],
      [2, true],
    ]);
    const back = await cli(['models', project, '--activate', '1']);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/^\*\s+1\s/m);
    const evaluation = JSON.parse((await cli(['eval', project, '--json'])).stdout);
    expect(evaluation).toMatchObject({ modelId: 1, model: expect.stringMatching(/^coco80-centernet@/) });
    // The trained version, no longer active, is still measured on the photos it pre-labelled.
    const previous = JSON.parse(
      (await cli(['eval', project, '--split', 'val', '--version', '2', '--json'])).stdout,
    );
    expect(previous).toEqual(evaluated);
    expect(previous.perClass.map((entry: { class: string }) => entry.class)).toContain('animal');
    expect((await cli(['eval', project, '--version', '2'])).stdout).toMatch(/^\S+ \(version 2, /);

    // Compared, the pack is measured on the photos the trained version can be measured on: not
    // on all of them, as it is alone.
    const trainedAlone = JSON.parse((await cli(['eval', project, '--version', '2', '--json'])).stdout);
    expect(evaluation.images).toBeGreaterThan(trainedAlone.images);
    const compared = JSON.parse((await cli(['eval', project, '--compare', '2', '--json'])).stdout);
    const sides = compared.map((side: EvalReport) => [side.modelId, side.comparedWith, side.images]);
    expect(sides).toEqual([
      [1, 2, trainedAlone.images],
      [2, 1, trainedAlone.images],
    ]);
    expect(compared[0].leftOutForComparison).toBe(evaluation.images - trainedAlone.images);
    expect((await cli(['eval', project, '--compare', '2'])).stdout).toMatch(
      new RegExp(
        `on ${trainedAlone.images} photos \\(split all; compared with version 2 on the same photos, `,
      ),
    );
  }, 300_000);

  it('exits 2 with the reason when the labels are too few or the version does not exist', async () => {
    const dir = await tempDir();
    const folder = join(dir, 'photos');
    await copyVocPhotos(folder, 4);
    const project = join(dir, 'p.sqlite');
    await cli(['import', project, folder, '--labels', join(folder, 'labels.csv')]);
    expect(await cli(['train', project])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /^csra-studio train: cannot train: \d+ labelled photos? in train; at least 10/,
      ),
    });
    expect(await cli(['train', project, '--activate', 'sometimes'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--activate must be one of better, always, never/),
    });
    expect(await cli(['models', project, '--activate', '9'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no model version 9/),
    });
    expect(await cli(['eval', project, '--version', '9'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/no model version 9 in this project/),
    });
    expect(await cli(['eval', project, '--version', 'two'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--version takes a version id \(see csra-studio models\), got "two"/),
    });
    expect(await cli(['eval', project, '--compare', '0'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--compare takes a version id \(see csra-studio models\), got "0"/),
    });
  });
});
