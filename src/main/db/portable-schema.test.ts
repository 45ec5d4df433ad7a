// A project file is read by other SQLite builds than the app's own: Debian 12's sqlite3 shell and
// Python's sqlite3 module (SQLite 3.40 both), Ubuntu 22.04's (3.37). Each must read the schema, every
// table and view of a project full of labels, predictions and versions, and run its triggers.
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reviewProject } from '../../../test/fixtures/review';
import { tempDir } from '../../../test/fixtures/workspace';
import { openDatabase } from './connection';
import { migrations } from './migrations';
import { insertTrainedModel } from './models';

const project = reviewProject({ photos: 24, labelled: 16 });

/** The version of SQLite a reader links, or null when this machine has no such reader. */
function readerVersion(command: string, args: string[]): string | null {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : null;
}
const shellVersion = readerVersion('sqlite3', [':memory:', 'SELECT sqlite_version()']);
const pythonVersion = readerVersion('python3', ['-c', 'import sqlite3; print(sqlite3.sqlite_version)']);

/** Every row of every table and view of `file`, counted by the sqlite3 shell, having printed each. */
function countsByShell(file: string, names: string[]): Record<string, number> {
  const script = names
    .map(
      (name) =>
        `.output /dev/null\nSELECT * FROM "${name}";\n.output stdout\nSELECT '${name}', count(*) FROM "${name}";`,
    )
    .join('\n');
  // -bail: the first statement that fails (the schema unreadable, say) ends the shell non-zero.
  const out = execFileSync('sqlite3', ['-bail', '-separator', '\t', file], {
    input: script,
    encoding: 'utf8',
  });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
      .map(([name, count]) => [name, Number(count)]),
  );
}

const countsByPython = (file: string, names: string[]): Record<string, number> =>
  JSON.parse(
    execFileSync(
      'python3',
      [
        '-c',
        `import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(json.dumps({name: len(db.execute(f'SELECT * FROM "{name}"').fetchall()) for name in sys.argv[2:]}))`,
        file,
        ...names,
      ],
      { encoding: 'utf8' },
    ),
  ) as Record<string, number>;

/** The tables and views of the project, each with its row count, as the app reads them. */
function countsByApp(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const names = db
      .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    return Object.fromEntries(
      names.map((name) => [name, db.prepare(`SELECT count(*) FROM "${name}"`).pluck().get() as number]),
    );
  } finally {
    db.close();
  }
}

/** A labelled, pre-labelled project with work undone, review tallies and a trained version. */
async function fullProject(): Promise<string> {
  const { api, projectPath } = await project.open();
  const [photo] = (await api.listImages({ limit: 1 })).images;
  const [firstClass] = await api.listClasses({});
  await api.setLabels({ changes: [{ imageId: photo!.id, classId: firstClass!.id, state: 'positive' }] });
  await api.setLabels({ changes: [{ imageId: photo!.id, classId: firstClass!.id, state: 'negative' }] });
  await api.undo({});
  for (const queue of ['disputed', 'uncertain', 'next'] as const) await api.listReviewQueue({ queue });
  await api.closeProject({});
  const db = openDatabase(projectPath, { create: false });
  try {
    const [pack] = db.prepare('SELECT id, pack, classes FROM models').all() as {
      id: number;
      pack: string;
      classes: string;
    }[];
    insertTrainedModel(db, {
      parentId: pack!.id,
      name: 'v2',
      pack: pack!.pack,
      classes: JSON.parse(pack!.classes) as string[],
      headFile: 'v2/head.onnx',
      metrics: { mAP: 0.9 },
    });
  } finally {
    db.close();
  }
  return projectPath;
}

describe('a project file read by other SQLite builds', () => {
  it("is read whole by the sqlite3 shell, whose writes run the project's triggers", async (context) => {
    context.skip(shellVersion === null, 'no sqlite3 shell on this machine (.ci/run installs it)');
    const file = await fullProject();
    const expected = countsByApp(file);
    for (const table of [
      'labels',
      'label_events',
      'actions',
      'predictions',
      'class_scores',
      'review_tallies',
    ])
      expect(expected[table], table).toBeGreaterThan(0);
    expect(expected.models).toBe(2);
    expect(countsByShell(file, Object.keys(expected)), `sqlite3 ${shellVersion}`).toEqual(expected);

    // Each trigger runs: a label changed, a label and a score removed, all rolled back.
    const tallies = "SELECT group_concat(labelled_above || ',' || disputed_below, ';') FROM review_tallies";
    const before = execFileSync('sqlite3', ['-bail', file, tallies], { encoding: 'utf8' });
    const during = execFileSync('sqlite3', ['-bail', file], {
      input: `BEGIN;
          UPDATE labels SET state = CASE state WHEN 'positive' THEN 'negative' ELSE 'positive' END;
          DELETE FROM labels WHERE (image_id, class_id) IN (SELECT image_id, class_id FROM labels LIMIT 3);
          INSERT INTO labels (image_id, class_id, state, source, at)
            SELECT image_id, class_id, 'positive', 'human', 'now' FROM class_scores
             WHERE (image_id, class_id) NOT IN (SELECT image_id, class_id FROM labels) LIMIT 3;
          DELETE FROM class_scores WHERE (model_id, class_id, image_id) IN
            (SELECT model_id, class_id, image_id FROM class_scores LIMIT 3);
          ${tallies};
          ROLLBACK;`,
      encoding: 'utf8',
    });
    expect(during).not.toBe(before);
    expect(execFileSync('sqlite3', ['-bail', file, tallies], { encoding: 'utf8' })).toBe(before);
  }, 600_000);

  it('is read whole by Python’s sqlite3 module', async (context) => {
    context.skip(pythonVersion === null, 'no python3 with its sqlite3 module on this machine');
    const file = await fullProject();
    const expected = countsByApp(file);
    expect(countsByPython(file, Object.keys(expected)), `Python's SQLite ${pythonVersion}`).toEqual(expected);
  }, 600_000);

  it('is mended on open when an earlier app wrote triggers that the shell cannot read', async (context) => {
    context.skip(shellVersion === null, 'no sqlite3 shell on this machine (.ci/run installs it)');
    const file = join(await tempDir(), 'v9.sqlite');
    const old = new Database(file);
    for (const migration of migrations.slice(0, 9)) old.exec(migration.sql);
    old.pragma('user_version = 9');
    old.close();
    const read = () =>
      spawnSync('sqlite3', ['-bail', file, 'SELECT count(*) FROM labels'], { encoding: 'utf8' });
    // SQLite 3.53 reads an alias on the table a trigger updates; 3.49 and older do not.
    if (shellVersion!.localeCompare('3.50', undefined, { numeric: true }) < 0)
      expect(read().stderr).toMatch(/malformed database schema \(labels_\w+_tallied\) - near "AS"/);
    openDatabase(file, { create: false }).close();
    expect(read()).toMatchObject({ status: 0, stdout: '0\n' });
  });
});
