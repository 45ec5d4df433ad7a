// Pascal VOC, as its devkit lays it out: `ImageSets/Main/<class>_<split>.txt` lists (one
// `<id> <flag>` line per image of the split: 1 present, -1 absent, 0 difficult only) and
// `Annotations/<id>.xml` (objects with a name and a `difficult` flag). A VOC dataset is labelled
// exhaustively for its classes, so a class the lists or an image's objects do not give is negative.
// "Difficult only" is what VOC evaluation ignores: read as unknown unless asked to count it present,
// and the writer says unknown with the same 0, so a project's unknowns survive the round trip.
import { readdirSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Split } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { readLabelText } from './label-file';
import {
  checkClassCount,
  checkLabelCells,
  type ClassEntry,
  type ExchangeFile,
  type ExchangeFormat,
  type ExchangeRecord,
  type ReadOptions,
} from './records';
import { childrenNamed, childText, parseXml } from './xml';

export type VocFlag = 1 | -1 | 0;

const LIST_SPLITS = ['train', 'val', 'trainval', 'test'] as const;
type ListSplit = (typeof LIST_SPLITS)[number];
const CLASS_LIST = /^(.+)_(train|val|trainval|test)\.txt$/;
const SPLIT_LIST = /^(train|val|trainval|test)\.txt$/;
const LIST_LINE = /^(\S+) +(-1|0|1)\s*$/;

const fail = (where: string, why: string): never => {
  throw new ApiError('bad_input', `voc ${where}: ${why}`);
};

/** One `<class>_<split>.txt` list: each id with its flag and line, in the file's order. */
export function parseVocList(text: string, source: string): { id: string; flag: VocFlag; line: number }[] {
  const entries: { id: string; flag: VocFlag; line: number }[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const raw = lines[index]!;
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') continue;
    const line = index + 1;
    const match = LIST_LINE.exec(content);
    if (!match)
      fail(`${source} line ${line}`, `expected "<image id> <1|-1|0>", found ${JSON.stringify(content)}`);
    const id = match![1]!;
    const first = seen.get(id);
    if (first !== undefined) fail(`${source} line ${line}`, `${id} is listed again (first on line ${first})`);
    seen.set(id, line);
    entries.push({ id, flag: Number(match![2]) as VocFlag, line });
  }
  return entries;
}

/** A list as the devkit writes it: the id, a space and the flag right-aligned in two columns. */
export function formatVocList(entries: { id: string; flag: VocFlag }[]): string {
  return entries.map(({ id, flag }) => `${id} ${String(flag).padStart(2)}\n`).join('');
}

/** One `Annotations/*.xml`: the image's file name and each object class's flag. */
export function parseVocAnnotation(
  text: string,
  source: string,
): { filename?: string; flags: Map<string, VocFlag> } {
  const root = parseXml(text, 'voc', source);
  if (root.name !== 'annotation') fail(source, `the root element is <${root.name}>, expected <annotation>`);
  const flags = new Map<string, VocFlag>();
  for (const object of childrenNamed(root, 'object')) {
    const name = childText(object, 'name');
    if (!name) fail(`${source} line ${object.line}`, '<object> has no <name>');
    const difficult = childText(object, 'difficult') ?? '0';
    if (difficult !== '0' && difficult !== '1') {
      fail(`${source} line ${object.line}`, `<difficult> is ${JSON.stringify(difficult)}, expected 0 or 1`);
    }
    if (difficult === '0') flags.set(name!, 1);
    else if (!flags.has(name!)) flags.set(name!, 0);
  }
  return { filename: childText(root, 'filename') || undefined, flags };
}

/** Where the lists and the annotations of a VOC folder are: its root, its Main or its Annotations. */
function locate(path: string): { main?: string; annotations?: string } {
  const sub = (folder: string, name: string) => {
    const found = entries(folder).find((entry) => entry.toLowerCase() === name);
    return found !== undefined && isFolder(join(folder, found)) ? join(folder, found) : undefined;
  };
  const imageSets = sub(path, 'imagesets');
  const main = imageSets && sub(imageSets, 'main');
  const annotations = sub(path, 'annotations');
  if (main || annotations) return { main, annotations };
  const own = entries(path);
  if (own.some((entry) => CLASS_LIST.test(entry))) return { main: path };
  if (own.some((entry) => extname(entry).toLowerCase() === '.xml')) return { annotations: path };
  return {};
}

const entries = (folder: string): string[] => {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
};
const isFolder = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** A line of a list, or an annotation file (no line): where a flag was read, said only on demand. */
interface Place {
  file: string;
  line?: number;
}
const placeName = ({ file, line }: Place) => (line === undefined ? file : `${file} line ${line}`);

/**
 * Each image's flags, gathered from every file that names it; two files that disagree fail. A VOC
 * dataset is exhaustive, so each image comes to hold a flag for every class: the budget is checked
 * on images × classes as either grows.
 */
class Gathered {
  readonly images = new Map<
    string,
    { name: string; place: Place; split?: ListSplit; flags: Map<string, { flag: VocFlag; place: Place }> }
  >();
  readonly classes = new Set<string>();

  image(id: string, place: Place, name = id) {
    let image = this.images.get(id);
    if (!image) {
      this.images.set(id, (image = { name, place, flags: new Map() }));
      this.checkCells(place);
    }
    if (name !== id) image.name = name;
    return image;
  }

  flag(id: string, className: string, flag: VocFlag, place: Place) {
    if (!this.classes.has(className)) {
      this.classes.add(className);
      checkClassCount(this.classes.size, className, (why) => fail(placeName(place), why));
      this.checkCells(place);
    }
    const flags = this.image(id, place).flags;
    const before = flags.get(className);
    if (before && before.flag !== flag) {
      fail(
        placeName(place),
        `${id} is ${flag} for ${className} but ${before.flag} in ${placeName(before.place)}`,
      );
    }
    flags.set(className, { flag, place });
  }

  private checkCells(place: Place) {
    checkLabelCells(this.images.size, this.classes.size, (why) => fail(placeName(place), why));
  }

  split(id: string, split: ListSplit, place: Place) {
    if (split === 'trainval') return;
    const image = this.image(id, place);
    if (image.split && image.split !== split)
      fail(placeName(place), `${id} is in ${split} and in ${image.split}`);
    image.split = split;
  }
}

export async function readVoc(
  path: string,
  options: Pick<ReadOptions, 'difficult'> = { difficult: 'unknown' },
): Promise<ExchangeFile> {
  const { main, annotations } = locate(path);
  if (!main && !annotations) {
    fail(path, 'no ImageSets/Main/<class>_<split>.txt lists and no Annotations/*.xml here');
  }
  const gathered = new Gathered();
  const skipped: ExchangeFile['skipped'] = [];
  const exhaustive: string[] = [];
  if (main) {
    for (const file of (await readdir(main)).sort()) {
      const classList = CLASS_LIST.exec(file);
      const splitList = SPLIT_LIST.exec(file);
      if (!classList && !splitList) {
        skipped.push({ at: file, reason: 'not a <class>_<split>.txt or <split>.txt list' });
        continue;
      }
      const text = await readLabelText(join(main, file), `voc ${file}`);
      if (splitList) {
        // A plain split list holds ids only, one a line.
        text.split('\n').forEach((raw, index) => {
          const id = raw.trim();
          if (id === '') return;
          if (/\s/.test(id))
            fail(`${file} line ${index + 1}`, `expected an image id, found ${JSON.stringify(id)}`);
          gathered.split(id, splitList[1] as ListSplit, { file, line: index + 1 });
        });
        continue;
      }
      const [, className, split] = classList!;
      for (const { id, flag, line } of parseVocList(text, file)) {
        const place = { file, line };
        gathered.flag(id, className!, flag, place);
        gathered.split(id, split as ListSplit, place);
      }
    }
  }
  if (annotations) {
    for (const file of (await readdir(annotations)).sort()) {
      if (extname(file).toLowerCase() !== '.xml') {
        skipped.push({ at: file, reason: 'not an .xml annotation' });
        continue;
      }
      const at = `Annotations/${file}`;
      const { filename, flags } = parseVocAnnotation(
        await readLabelText(join(annotations, file), `voc ${at}`),
        at,
      );
      const id = basename(file, extname(file));
      const place = { file: at };
      gathered.image(id, place, filename ?? id);
      for (const [className, flag] of flags) gathered.flag(id, className, flag, place);
      exhaustive.push(id);
    }
    // An annotation lists every object of the image: a dataset class it does not name is absent.
    for (const id of exhaustive) {
      const image = gathered.images.get(id)!;
      for (const className of gathered.classes) {
        if (!image.flags.has(className)) gathered.flag(id, className, -1, image.place);
      }
    }
  }
  const records: ExchangeRecord[] = [...gathered.images.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, image]) => {
      const classes = new Map<string, ClassEntry>();
      for (const [className, { flag }] of image.flags) {
        if (flag === 1) classes.set(className, { state: 'positive' });
        else if (flag === -1) classes.set(className, { state: 'negative' });
        else if (options.difficult === 'positive') classes.set(className, { state: 'positive' });
      }
      const split: Split | undefined = image.split === 'trainval' ? undefined : image.split;
      return { name: image.name, classes, ...(split ? { split } : {}), at: placeName(image.place) };
    });
  return { format: 'voc', classes: [...gathered.classes].sort(), records, skipped };
}

/**
 * ImageSets/Main as the devkit has it: per class and split a list of every image of the split,
 * `trainval` the union of train and val (photos without a split go there alone), and the plain
 * `<split>.txt` id lists. Ids are sorted, as in the official lists.
 */
export function writeVoc(data: ExchangeFile): Map<string, string> {
  const owners = new Map<string, string>();
  const bySplit = new Map<ListSplit, { id: string; record: ExchangeRecord }[]>(
    LIST_SPLITS.map((split) => [split, []]),
  );
  for (const record of data.records) {
    const id = basename(record.name, extname(record.name));
    if (id === '' || /\s/.test(id)) fail(record.name, 'a VOC image id cannot be empty or hold spaces');
    const owner = owners.get(id);
    if (owner !== undefined) fail(record.name, `its VOC id ${id} is also the id of ${owner}`);
    owners.set(id, record.name);
    const split =
      record.split === 'train' || record.split === 'val' || record.split === 'test'
        ? record.split
        : undefined;
    if (split) bySplit.get(split)!.push({ id, record });
    if (split !== 'test') bySplit.get('trainval')!.push({ id, record });
  }
  for (const className of data.classes) {
    if (/[/\\\0]/.test(className) || className === '.' || className === '..') {
      fail(className, 'a class name that cannot be part of a file name');
    }
  }
  const files = new Map<string, string>();
  for (const [split, members] of bySplit) {
    if (members.length === 0) continue;
    members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    files.set(`ImageSets/Main/${split}.txt`, members.map(({ id }) => `${id}\n`).join(''));
    for (const className of data.classes) {
      const entries = members.map(({ id, record }): { id: string; flag: VocFlag } => {
        const state = record.classes.get(className)?.state;
        return { id, flag: state === 'positive' ? 1 : state === 'negative' ? -1 : 0 };
      });
      files.set(`ImageSets/Main/${className}_${split}.txt`, formatVocList(entries));
    }
  }
  return files;
}

export const vocFormat: ExchangeFormat = {
  id: 'voc',
  title: 'Pascal VOC (ImageSets/Main lists, Annotations)',
  layout: 'folder',
  extensions: [],
  detect: (path) => {
    const { main, annotations } = locate(path);
    return main !== undefined || annotations !== undefined;
  },
  read: readVoc,
  write: writeVoc,
  loses: ['sources', 'scores'],
};
