// Which of the project's photos each record of a label file names. Files name photos as their tool
// saw them: a path relative to the dataset folder, a bare file name, or an id without extension
// (VOC's `000005`), so the three are tried in that order, each only where it names one photo; then
// the same for the name a tool renamed the photo from, if the record has one.
import { basename, extname, relative, sep } from 'node:path';
import type { ExchangeRecord } from './records';

export interface MatchedRecord {
  imageId: number;
  record: ExchangeRecord;
}

export interface Matching {
  matched: MatchedRecord[];
  unmatched: ExchangeRecord[];
}

const stem = (name: string): string => basename(name, extname(name));

/** Keyed lookups where a key naming two photos names neither. */
function uniqueIndex(entries: Iterable<[string, number]>): Map<string, number | null> {
  const index = new Map<string, number | null>();
  for (const [key, id] of entries) index.set(key, index.has(key) ? null : id);
  return index;
}

/** `photos`: absolute path → image id, the photos under `folder`. */
export function matchRecords(
  records: readonly ExchangeRecord[],
  folder: string,
  photos: ReadonlyMap<string, number>,
): Matching {
  const byRelative = new Map<string, number>();
  for (const [path, id] of photos) byRelative.set(relative(folder, path).split(sep).join('/'), id);
  const byName = uniqueIndex([...photos].map(([path, id]) => [basename(path), id]));
  const byStem = uniqueIndex([...photos].map(([path, id]) => [stem(path), id]));
  const matching: Matching = { matched: [], unmatched: [] };
  const find = (written: string): number | null | undefined => {
    const name = written.replaceAll('\\', '/').replace(/^\.\//, '');
    const file = name.slice(name.lastIndexOf('/') + 1);
    return byRelative.get(name) ?? byName.get(file) ?? byStem.get(stem(file));
  };
  for (const record of records) {
    const imageId =
      find(record.name) ?? (record.fallbackName === undefined ? undefined : find(record.fallbackName));
    if (imageId == null) matching.unmatched.push(record);
    else matching.matched.push({ imageId, record });
  }
  return matching;
}

/** How many unmatched records and unread entries a report names: a 100,000-row file stays readable. */
export const sampleSize = 20;
