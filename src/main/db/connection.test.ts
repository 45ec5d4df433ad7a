import Database from 'better-sqlite3';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/fixtures/workspace';
import { openDatabase, readSchemaVersion } from './connection';
import { migrations, schemaVersion } from './migrations';

describe('a project database', () => {
  it('is created with WAL, foreign keys and every migration applied', async () => {
    const file = join(await tempDir(), 'p.sqlite');
    const db = openDatabase(file, { create: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(readSchemaVersion(db)).toBe(schemaVersion);
    expect(schemaVersion).toBe(migrations.length);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(
      expect.arrayContaining([
        'classes',
        'images',
        'job_items',
        'jobs',
        'label_events',
        'labels',
        'models',
        'predictions',
      ]),
    );
    db.close();
  });

  it('enforces its invariants in the schema: one row per path and per content, valid states only', async () => {
    const db = openDatabase(join(await tempDir(), 'p.sqlite'), { create: true });
    const insert = db.prepare(
      "INSERT INTO images (path, sha256, bytes, format, width, height, imported_at) VALUES (?, ?, 1, 'jpeg', 1, 1, 'now')",
    );
    insert.run('/a.jpg', 'h1');
    expect(() => insert.run('/a.jpg', 'h2')).toThrow(/UNIQUE/);
    expect(() => insert.run('/b.jpg', 'h1')).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO labels VALUES (1, 999, 'positive', 'human', 'now')").run()).toThrow(
      /FOREIGN KEY/,
    );
    db.prepare("INSERT INTO classes (name, color, position) VALUES ('dog', '#fff', 0)").run();
    expect(() => db.prepare("INSERT INTO labels VALUES (1, 1, 'maybe', 'human', 'now')").run()).toThrow(
      /CHECK/,
    );
    db.close();
  });

  it('brings an older project up to date and keeps its data: version 3 class maps move beside the scores', async () => {
    const file = join(await tempDir(), 'old.sqlite');
    const old = new Database(file);
    for (const migration of migrations.slice(0, 3)) old.exec(migration.sql);
    old.pragma('user_version = 3');
    old
      .prepare(
        "INSERT INTO images (path, sha256, bytes, format, width, height, imported_at) VALUES ('/a.jpg', 'h', 1, 'jpeg', 1, 1, 'now')",
      )
      .run();
    old
      .prepare("INSERT INTO models (name, pack, classes, created_at) VALUES ('m', 'p', '[\"dog\"]', 'now')")
      .run();
    const scores = Buffer.from(new Float32Array([0.75]).buffer);
    const maps = Buffer.from('deflated class maps');
    old
      .prepare(
        "INSERT INTO predictions (image_id, model_id, scores, maps, uncertainty, created_at) VALUES (1, 1, ?, ?, 0.5, 'now')",
      )
      .run(scores, maps);
    old.close();

    const db = openDatabase(file, { create: false });
    expect(readSchemaVersion(db)).toBe(schemaVersion);
    expect(db.prepare('SELECT scores, uncertainty FROM predictions').get()).toEqual({
      scores,
      uncertainty: 0.5,
    });
    expect(db.prepare('SELECT image_id, model_id, maps FROM prediction_maps').get()).toEqual({
      image_id: 1,
      model_id: 1,
      maps,
    });
    const columns = db.prepare("SELECT name FROM pragma_table_info('predictions')").pluck().all();
    expect(columns).not.toContain('maps');
    // Deleting the photo takes its maps with it.
    db.prepare('DELETE FROM images').run();
    expect(db.prepare('SELECT count(*) FROM prediction_maps').pluck().get()).toBe(0);
    db.close();
  });

  it('refuses to create over an existing file and to open a missing one', async () => {
    const dir = await tempDir();
    const file = join(dir, 'p.sqlite');
    openDatabase(file, { create: true }).close();
    expect(() => openDatabase(file, { create: true })).toThrow(/already exists/);
    expect(() => openDatabase(join(dir, 'missing.sqlite'), { create: false })).toThrow(/no project at/);
  });

  it('reports a file that is not a database, and leaves it as it was', async () => {
    const file = join(await tempDir(), 'notes.sqlite');
    await writeFile(file, 'just some text that is long enough to look like a header of something else');
    const before = await readFile(file);
    expect(() => openDatabase(file, { create: false })).toThrow(/is not a CSRA Studio project/);
    expect(await readFile(file)).toEqual(before);
  });

  it('fails with a clear error when the integrity check finds damage', async () => {
    const file = join(await tempDir(), 'p.sqlite');
    const db = openDatabase(file, { create: true });
    db.pragma('journal_mode = DELETE');
    const insert = db.prepare(
      "INSERT INTO images (path, sha256, bytes, format, width, height, imported_at) VALUES (?, ?, 1, 'jpeg', 1, 1, 'now')",
    );
    db.transaction(() => {
      for (let i = 0; i < 2000; i += 1) insert.run(`/photos/${i}.jpg`, `hash-${i}`);
    })();
    const rootPage = db
      .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_images_1'")
      .pluck()
      .get() as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    // Scramble one page of the path index: the table still reads, the index no longer matches it.
    const bytes = await readFile(file);
    bytes.fill(0x41, (rootPage - 1) * pageSize + 100, rootPage * pageSize);
    await writeFile(file, bytes);
    expect(() => openDatabase(file, { create: false })).toThrow(/failed its integrity check/);
  });

  it('refuses a project written by a newer version of the app', async () => {
    const file = join(await tempDir(), 'p.sqlite');
    const raw = new Database(file);
    raw.pragma(`user_version = ${schemaVersion + 1}`);
    raw.close();
    expect(() => openDatabase(file, { create: false })).toThrow(/newer than this CSRA Studio/);
  });
});
