// The project's own lossless label file, JSON Lines: a header line naming the classes in their
// order (so a class with no label yet survives), then one photo per line with its path relative to
// the exported folder, its sha256, its split, each class's state and source and, when asked for,
// the active version's probabilities.
import { z } from 'zod';
import { LabelSource, LabelState, Split } from '../../shared/contract';
import { ApiError } from '../../shared/rpc';
import { labelFileReader } from './label-file';
import type { ClassEntry, ExchangeFile, ExchangeFormat, ExchangeRecord } from './records';

const Header = z.object({ csraStudioLabels: z.literal(1), classes: z.array(z.string()) }).strict();

const Photo = z
  .object({
    path: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex'),
    split: Split,
    labels: z.record(z.string(), z.object({ state: LabelState, source: LabelSource }).strict()),
    scores: z.record(z.string(), z.number().min(0).max(1)).optional(),
  })
  .strict();

export const jsonlFormat: ExchangeFormat = {
  id: 'jsonl',
  title: 'CSRA Studio labels (JSON Lines, lossless)',
  layout: 'file',
  extensions: ['jsonl'],
  detect: (_path, head) => /^\uFEFF?\{\s*"csraStudioLabels"\s*:/.test(head),
  read: labelFileReader(parseJsonl),
  write: (data) => new Map([['', formatJsonl(data)]]),
  loses: [],
};

export function parseJsonl(text: string, source = 'labels.jsonl'): ExchangeFile {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const parse = <T>(schema: z.ZodType<T>, index: number): T => {
    const fail = (path: string, why: string): never => {
      throw new ApiError('bad_input', `jsonl ${source} line ${index + 1}: ${path}: ${why}`);
    };
    let value: unknown;
    try {
      value = JSON.parse(lines[index]!);
    } catch (error) {
      return fail('$', `not JSON (${(error as Error).message})`);
    }
    const checked = schema.safeParse(value);
    if (checked.success) return checked.data;
    const issue = checked.error.issues[0]!;
    return fail(
      ['$', ...issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))].join(''),
      issue.message,
    );
  };
  const header = parse(Header, 0);
  const declared = new Set(header.classes);
  const records: ExchangeRecord[] = [];
  lines.forEach((line, index) => {
    if (index === 0 || line.trim() === '') return;
    const photo = parse(Photo, index);
    const at = `line ${index + 1}`;
    const undeclared = [...Object.keys(photo.labels), ...Object.keys(photo.scores ?? {})].find(
      (name) => !declared.has(name),
    );
    if (undeclared !== undefined)
      throw new ApiError(
        'bad_input',
        `jsonl ${source} ${at}: class "${undeclared}" is not in the header's classes`,
      );
    const classes = new Map<string, ClassEntry>(
      Object.entries(photo.labels).map(([name, label]) => [name, { ...label }]),
    );
    for (const [name, score] of Object.entries(photo.scores ?? {}))
      classes.set(name, { ...classes.get(name), score });
    records.push({ name: photo.path, sha256: photo.sha256, split: photo.split, classes, at });
  });
  return { format: jsonlFormat.id, classes: header.classes, records, skipped: [] };
}

function formatJsonl(data: ExchangeFile): string {
  const lines = [JSON.stringify({ csraStudioLabels: 1, classes: data.classes })];
  for (const record of data.records) {
    const labels: Record<string, { state: LabelState; source: LabelSource }> = {};
    const scores: Record<string, number> = {};
    for (const name of data.classes) {
      const entry = record.classes.get(name);
      if (entry?.state) labels[name] = { state: entry.state, source: entry.source ?? 'imported' };
      if (entry?.score !== undefined) scores[name] = entry.score;
    }
    const photo = { path: record.name, sha256: record.sha256, split: record.split ?? 'none', labels };
    lines.push(JSON.stringify(Object.keys(scores).length > 0 ? { ...photo, scores } : photo));
  }
  return lines.join('\n') + '\n';
}
