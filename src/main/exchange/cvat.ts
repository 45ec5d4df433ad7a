// CVAT for images 1.1 XML, for image-level labels: the label list in `<meta>` and, per `<image>`,
// a `<tag label="…" source="…">` for each class the image shows. CVAT annotates exhaustively, so a
// declared tag label with no tag on an image is negative for it. A tag with source="auto" was made
// by a model and nobody confirmed it: it is read as a suggestion (an entry with no state and no
// score, since CVAT carries no confidence), the class staying unknown for the photo.
import { labelFileReader } from './label-file';
import type { Split } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import {
  checkClassCount,
  checkLabelCells,
  type ClassEntry,
  type ExchangeFile,
  type ExchangeFormat,
  type ExchangeProblem,
  type ExchangeRecord,
} from './records';
import { childrenNamed, childText, escapeXml, parseXml, type XmlElement } from './xml';

/** Label types that mark objects, not images: such a label has no tags to be negative by. */
const SHAPE_TYPES = new Set([
  'rectangle',
  'polygon',
  'polyline',
  'points',
  'ellipse',
  'cuboid',
  'mask',
  'skeleton',
]);

/** CVAT's free-text subsets that name one of the project's splits. */
const SUBSETS = new Map<string, Split>([
  ['train', 'train'],
  ['training', 'train'],
  ['val', 'val'],
  ['validation', 'val'],
  ['test', 'test'],
  ['testing', 'test'],
]);

const fail = (source: string, line: number, why: string): never => {
  throw new ApiError('bad_input', `cvat ${source} line ${line}: ${why}`);
};

/** Every `<label>` of the `<labels>` in `<meta>`, wherever CVAT put them (task, project or job). */
function declaredLabels(meta: XmlElement, source: string): { names: Set<string>; shapes: Set<string> } {
  const names = new Set<string>();
  const shapes = new Set<string>();
  const visit = (element: XmlElement) => {
    for (const child of element.children) {
      if (child.name !== 'labels') {
        visit(child);
        continue;
      }
      for (const label of childrenNamed(child, 'label')) {
        const name = childText(label, 'name');
        if (!name) fail(source, label.line, '<label> has no <name>');
        if (SHAPE_TYPES.has(childText(label, 'type') ?? '')) shapes.add(name!);
        else if (!names.has(name!)) {
          names.add(name!);
          checkClassCount(names.size, name!, (why) => fail(source, label.line, why));
        }
      }
    }
  };
  visit(meta);
  return { names, shapes };
}

export function parseCvat(text: string, source: string): ExchangeFile {
  const root = parseXml(text, 'cvat', source);
  if (root.name !== 'annotations')
    fail(source, root.line, `the root element is <${root.name}>, expected <annotations>`);
  const version = childText(root, 'version');
  if (version !== undefined && !/^1\.\d+$/.test(version)) {
    fail(source, root.line, `version ${version}; this reads CVAT for images 1.1`);
  }
  const meta = childrenNamed(root, 'meta')[0];
  if (!meta) fail(source, root.line, 'no <meta> with the label list');
  const { names: tagLabels, shapes } = declaredLabels(meta!, source);
  const classes = new Set(tagLabels);
  // Every image is negative for each tag label it has no tag of: each image costs all of them.
  const images = root.children.filter((child) => child.name === 'image').length;
  checkLabelCells(images, tagLabels.size, (why) => fail(source, root.line, why));

  const skipped: ExchangeProblem[] = [];
  const records: ExchangeRecord[] = [];
  const seen = new Map<string, number>();
  for (const image of root.children) {
    if (image.name !== 'image') {
      if (image.name !== 'version' && image.name !== 'meta') {
        skipped.push({ at: `line ${image.line}`, reason: `<${image.name}> is not an <image>; not read` });
      }
      continue;
    }
    const name = image.attributes.get('name');
    if (!name) fail(source, image.line, '<image> has no name');
    const first = seen.get(name!);
    if (first !== undefined) fail(source, image.line, `${name} is listed again (first on line ${first})`);
    seen.set(name!, image.line);
    const at = `line ${image.line}`;

    const classEntries = new Map<string, ClassEntry>();
    for (const element of image.children) {
      const label = element.attributes.get('label');
      if (element.name !== 'tag') {
        skipped.push({
          at: `line ${element.line}`,
          reason: `<${element.name}${label ? ` label="${label}"` : ''}> is not an image tag; not read`,
        });
        continue;
      }
      if (!label) fail(source, element.line, '<tag> has no label');
      if (!classes.has(label!)) {
        // Not a tag label of <meta>: its tags are read, but no image without one is negative for it.
        classes.add(label!);
        checkClassCount(classes.size, label!, (why) => fail(source, element.line, why));
        const why = shapes.has(label!) ? 'is declared as a shape label' : 'is not declared in <meta>';
        skipped.push({
          at: `line ${element.line}`,
          reason: `label ${label} ${why}; read from its tags only, with no negatives`,
        });
      }
      if (element.attributes.get('source') === 'auto') {
        if (!classEntries.has(label!)) classEntries.set(label!, {});
      } else classEntries.set(label!, { state: 'positive' });
    }
    for (const className of tagLabels) {
      if (!classEntries.has(className)) classEntries.set(className, { state: 'negative' });
    }

    const subset = image.attributes.get('subset');
    const split = subset === undefined ? undefined : SUBSETS.get(subset.toLowerCase());
    if (subset !== undefined && split === undefined && subset.toLowerCase() !== 'default') {
      skipped.push({ at, reason: `subset "${subset}" is not train, validation or test; no split read` });
    }
    const width = Number(image.attributes.get('width'));
    const height = Number(image.attributes.get('height'));
    records.push({
      name: name!,
      classes: classEntries,
      ...(split ? { split } : {}),
      ...(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0
        ? { width, height }
        : {}),
      at,
    });
  }
  return { format: 'cvat', classes: [...classes], records, skipped };
}

/**
 * The layout CVAT writes: the labels as tag labels in <meta><task>, then one <image> per photo with
 * a manual <tag> per positive class. A train, val or test split goes in `subset`, as CVAT's project
 * export has it; width and height where the photo's size is known.
 */
export function writeCvat(data: ExchangeFile): Map<string, string> {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<annotations>',
    '  <version>1.1</version>',
    '  <meta>',
    '    <task>',
    `      <size>${data.records.length}</size>`,
    '      <mode>annotation</mode>',
    '      <labels>',
    ...data.classes.flatMap((name) => [
      '        <label>',
      `          <name>${escapeXml(name)}</name>`,
      '          <type>tag</type>',
      '          <attributes>',
      '          </attributes>',
      '        </label>',
    ]),
    '      </labels>',
    '    </task>',
    '  </meta>',
  ];
  data.records.forEach((record, index) => {
    const attributes = [`id="${index}"`, `name="${escapeXml(record.name)}"`];
    if (record.split === 'train' || record.split === 'val' || record.split === 'test') {
      attributes.push(`subset="${record.split}"`);
    }
    if (record.width !== undefined && record.height !== undefined) {
      attributes.push(`width="${record.width}"`, `height="${record.height}"`);
    }
    lines.push(`  <image ${attributes.join(' ')}>`);
    for (const name of data.classes) {
      if (record.classes.get(name)?.state !== 'positive') continue;
      lines.push(`    <tag label="${escapeXml(name)}" source="manual">`, '    </tag>');
    }
    lines.push('  </image>');
  });
  lines.push('</annotations>', '');
  return new Map([['', lines.join('\n')]]);
}

export const cvatFormat: ExchangeFormat = {
  id: 'cvat',
  title: 'CVAT for images 1.1 XML (tags)',
  layout: 'file',
  extensions: ['xml'],
  detect: (_path, text) => /<annotations[\s>]/.test(text) && /<version>\s*1\.\d+\s*<\/version>/.test(text),
  read: labelFileReader(parseCvat),
  write: writeCvat,
  // Unknown and negative are both "no tag"; every label is a manual tag; no confidences.
  loses: ['unknown', 'sources', 'scores'],
};
