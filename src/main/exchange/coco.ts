// COCO instances JSON (import only): `images`, `categories` and `annotations`, each annotation an
// object of one category on one image. An image's labels are the categories of its annotations.
// COCO ground truth is exhaustive for the categories it declares (an unannotated object is an
// error in the dataset, not an unknown), so a declared category with no annotation on an image is
// negative for it, and an image with no annotation at all is negative for every category.
import { ApiError } from '$shared/rpc';
import { hasTopLevelKeys } from './json-keys';
import { labelFileReader } from './label-file';
import {
  checkClassCount,
  checkLabelCells,
  type ClassEntry,
  type ExchangeFile,
  type ExchangeFormat,
  type ExchangeProblem,
  type ExchangeRecord,
} from './records';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const fail = (source: string, path: string, why: string): never => {
  throw new ApiError('bad_input', `coco ${source} ${path}: ${why}`);
};

/** JSON.parse's complaint, placed by line and column rather than by character offset. */
function parseJson(text: string, source: string): Json {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as Json;
  } catch (error) {
    const message = (error as Error).message;
    const offset = Number(/at position (\d+)/.exec(message)?.[1] ?? NaN);
    if (Number.isNaN(offset)) return fail(source, '$', `not JSON: ${message}`);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return fail(
      source,
      `line ${line}, column ${column}`,
      `not JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`,
    );
  }
}

const isObject = (value: Json | undefined): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `iscrowd` as COCO writes it, or as COCO Annotator does (`"false"`); it does not change the label. */
const crowdValues = new Set<Json>([0, 1, true, false, '0', '1', 'true', 'false']);

export function parseCoco(text: string, source: string): ExchangeFile {
  const root = parseJson(text, source);
  if (!isObject(root)) return fail(source, '$', 'expected an object with images, categories and annotations');
  const list = (key: string): Json[] => {
    const value = root[key];
    if (!Array.isArray(value)) fail(source, `$.${key}`, value === undefined ? 'missing' : 'expected a list');
    return value as Json[];
  };
  const field = <T extends 'id' | 'name'>(item: Json, path: string, key: string, kind: T) => {
    if (!isObject(item)) return fail(source, path, 'expected an object');
    const value = item[key];
    if (kind === 'id' && !(typeof value === 'number' && Number.isInteger(value))) {
      fail(source, `${path}.${key}`, `expected an integer id, found ${JSON.stringify(value) ?? 'nothing'}`);
    }
    if (kind === 'name' && !(typeof value === 'string' && value.trim() !== '')) {
      fail(
        source,
        `${path}.${key}`,
        `expected a non-empty name, found ${JSON.stringify(value) ?? 'nothing'}`,
      );
    }
    return value as T extends 'id' ? number : string;
  };

  const categories = new Map<number, string>();
  // Two ids may share a name (a dataset merged from two): one class.
  const classes = new Set<string>();
  list('categories').forEach((category, index) => {
    const path = `$.categories[${index}]`;
    const id = field(category, path, 'id', 'id');
    const name = field(category, path, 'name', 'name');
    if (categories.has(id)) fail(source, `${path}.id`, `category id ${id} is declared twice`);
    categories.set(id, name);
    if (classes.has(name)) return;
    classes.add(name);
    checkClassCount(classes.size, name, (why) => fail(source, `${path}.name`, why));
  });
  // Every image is negative for every category it lacks: each image costs all the classes.
  checkLabelCells(list('images').length, classes.size, (why) => fail(source, '$.images', why));

  const images = new Map<number, { record: ExchangeRecord; positives: Set<string> }>();
  const names = new Map<string, string>();
  list('images').forEach((image, index) => {
    const path = `$.images[${index}]`;
    const id = field(image, path, 'id', 'id');
    const name = field(image, path, 'file_name', 'name');
    if (images.has(id)) fail(source, `${path}.id`, `image id ${id} is declared twice`);
    const other = names.get(name);
    if (other !== undefined) fail(source, `${path}.file_name`, `${name} is also the file of ${other}`);
    names.set(name, path);
    images.set(id, { record: { name, classes: new Map(), at: path }, positives: new Set() });
  });

  const skipped: ExchangeProblem[] = [];
  list('annotations').forEach((annotation, index) => {
    const path = `$.annotations[${index}]`;
    const imageId = field(annotation, path, 'image_id', 'id');
    const categoryId = field(annotation, path, 'category_id', 'id');
    const crowd = (annotation as { [key: string]: Json }).iscrowd;
    if (crowd !== undefined && !crowdValues.has(crowd)) {
      skipped.push({
        at: `${path}.iscrowd`,
        reason: `${JSON.stringify(crowd)} is not 0, 1, true or false; the annotation still counts`,
      });
    }
    const image = images.get(imageId);
    const category = categories.get(categoryId);
    if (!image) skipped.push({ at: `${path}.image_id`, reason: `no image has id ${imageId}` });
    else if (category === undefined)
      skipped.push({ at: `${path}.category_id`, reason: `no category has id ${categoryId}` });
    else image.positives.add(category);
  });

  const records = [...images.values()].map(({ record, positives }) => {
    for (const name of classes) {
      const entry: ClassEntry = { state: positives.has(name) ? 'positive' : 'negative' };
      record.classes.set(name, entry);
    }
    return record;
  });
  return { format: 'coco', classes: [...classes], records, skipped };
}

export const readCoco = labelFileReader(parseCoco);

export const cocoFormat: ExchangeFormat = {
  id: 'coco',
  title: 'COCO instances JSON (import)',
  layout: 'file',
  extensions: ['json'],
  detect: (_path, text) => hasTopLevelKeys(text, ['images', 'annotations', 'categories']),
  read: readCoco,
  // No writer: listed for what the format itself cannot say, should one be asked for.
  loses: ['unknown', 'sources', 'scores', 'splits'],
};
