// The project's own lossless label file, JSON Lines: a header line naming the classes in their
// order (so a class with no label yet survives), then one photo per line with its path relative to
// the exported folder, its sha256, its split, each class's state and source and, when asked for,
// the active version's probabilities.
import { z } from 'zod';
import { LabelSource, LabelState, Split } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { labelFileReader } from './label-file';
import {
  checkClassCount,
  type ClassEntry,
  type ExchangeFile,
  type ExchangeFormat,
  type ExchangeRecord,
} from './records';

const Header = z.object({ csraStudioLabels: z.literal(1), classes: z.array(z.string()) }).strict();

const Label = z.object({ state: LabelState, source: LabelSource }).strict();
const Score = z.number().min(0).max(1);

/**
 * `labels` and `scores` are objects keyed by class name, read into Maps by `byClass`: a schema's
 * record drops a class named `__proto__`, so here they are only said to be objects.
 */
const Photo = z
  .object({
    path: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex'),
    split: Split,
    labels: z.looseObject({}),
    scores: z.looseObject({}).optional(),
  })
  .strict();

export const jsonlFormat: ExchangeFormat = {
  id: 'jsonl',
  title: 'CSRA Studio labels (JSON Lines, lossless)',
  layout: 'file',
  extensions: ['jsonl'],
  detect: (_path, text) => /^\uFEFF?\{\s*"csraStudioLabels"\s*:/.test(text),
  read: labelFileReader(parseJsonl),
  write: (data) => new Map([['', formatJsonl(data)]]),
  loses: [],
};

export function parseJsonl(text: string, source = 'labels.jsonl'): ExchangeFile {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const failAt = (index: number, path: string, why: string): never => {
    throw new ApiError('bad_input', `jsonl ${source} line ${index + 1}: ${path}: ${why}`);
  };
  const checked = <T>(schema: z.ZodType<T>, value: unknown, index: number, path: string): T => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues[0]!;
    return failAt(
      index,
      [path, ...issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))].join(''),
      issue.message,
    );
  };
  const lineValue = (index: number): unknown => {
    try {
      return JSON.parse(lines[index]!);
    } catch (error) {
      return failAt(index, '$', `not JSON (${(error as Error).message})`);
    }
  };
  /** An object keyed by class name, each value checked: own keys only, `__proto__` one like any other. */
  const byClass = <T>(object: object, schema: z.ZodType<T>, index: number, path: string): Map<string, T> =>
    new Map(
      Object.entries(object).map(([name, value]) => [name, checked(schema, value, index, `${path}.${name}`)]),
    );
  const header = checked(Header, lineValue(0), 0, '$');
  const declared = new Set<string>();
  for (const name of header.classes) {
    declared.add(name);
    checkClassCount(declared.size, name, (why) => failAt(0, '$.classes', why));
  }
  const records: ExchangeRecord[] = [];
  lines.forEach((line, index) => {
    if (index === 0 || line.trim() === '') return;
    const value = lineValue(index);
    const photo = checked(Photo, value, index, '$');
    // The objects as parsed: the schema's copies of them lack a `__proto__` key.
    const named = value as { labels: object; scores?: object };
    const at = `line ${index + 1}`;
    const labels = byClass(named.labels, Label, index, '$.labels');
    const scores = byClass(named.scores ?? {}, Score, index, '$.scores');
    const undeclared = [...labels.keys(), ...scores.keys()].find((name) => !declared.has(name));
    if (undeclared !== undefined)
      throw new ApiError(
        'bad_input',
        `jsonl ${source} ${at}: class "${undeclared}" is not in the header's classes`,
      );
    const classes = new Map<string, ClassEntry>(labels);
    for (const [name, score] of scores) classes.set(name, { ...classes.get(name), score });
    records.push({ name: photo.path, sha256: photo.sha256, split: photo.split, classes, at });
  });
  return { format: jsonlFormat.id, classes: header.classes, records, skipped: [] };
}

function formatJsonl(data: ExchangeFile): string {
  const lines = [JSON.stringify({ csraStudioLabels: 1, classes: data.classes })];
  for (const record of data.records) {
    // Built from entries, so that a class named `__proto__` is a key like any other.
    const labels: [string, { state: LabelState; source: LabelSource }][] = [];
    const scores: [string, number][] = [];
    for (const name of data.classes) {
      const entry = record.classes.get(name);
      if (entry?.state) labels.push([name, { state: entry.state, source: entry.source ?? 'imported' }]);
      if (entry?.score !== undefined) scores.push([name, entry.score]);
    }
    const photo = {
      path: record.name,
      sha256: record.sha256,
      split: record.split ?? 'none',
      labels: Object.fromEntries(labels),
    };
    lines.push(JSON.stringify(scores.length > 0 ? { ...photo, scores: Object.fromEntries(scores) } : photo));
  }
  return lines.join('\n') + '\n';
}
