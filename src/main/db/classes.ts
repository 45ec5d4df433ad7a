import type { ClassInfo } from '../../shared/contract';
import type { Db } from './connection';

// Distinct, readable on dark and light backgrounds; cycles for projects with more classes.
const palette = [
  '#e6194b',
  '#3cb44b',
  '#ffe119',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#46f0f0',
  '#f032e6',
  '#bcf60c',
  '#fabebe',
  '#008080',
  '#e6beff',
  '#9a6324',
  '#fffac8',
  '#800000',
  '#aaffc3',
  '#808000',
  '#ffd8b1',
  '#000075',
  '#808080',
];

export function listClasses(db: Db): ClassInfo[] {
  return db
    .prepare(
      'SELECT id, name, color, hotkey, position FROM classes WHERE deleted_at IS NULL ORDER BY position, id',
    )
    .all() as ClassInfo[];
}

export function countClasses(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM classes WHERE deleted_at IS NULL').get() as { n: number }).n;
}

/** Ids of the named classes, creating the missing ones at the end of the list. */
export function ensureClasses(
  db: Db,
  names: readonly string[],
): { ids: Map<string, number>; created: number } {
  const find = db.prepare('SELECT id FROM classes WHERE name = ? AND deleted_at IS NULL');
  const insert = db.prepare('INSERT INTO classes (name, color, position) VALUES (?, ?, ?)');
  const ids = new Map<string, number>();
  let created = 0;
  db.transaction(() => {
    let position = (
      db.prepare('SELECT coalesce(max(position) + 1, 0) AS p FROM classes').get() as { p: number }
    ).p;
    for (const name of names) {
      const row = find.get(name) as { id: number } | undefined;
      if (row) {
        ids.set(name, row.id);
        continue;
      }
      const result = insert.run(name, palette[position % palette.length], position);
      ids.set(name, Number(result.lastInsertRowid));
      position += 1;
      created += 1;
    }
  })();
  return { ids, created };
}
