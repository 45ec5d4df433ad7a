import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/fixtures/workspace';
import { openDatabase, projectApplicationId, readSchemaVersion } from './connection';
import { migrations, schemaVersion } from './migrations';

describe('a project database', () => {
  it('is created with WAL, foreign keys and every migration applied', async () => {
    const file = join(await tempDir(), 'p.sqlite');
    const db = openDatabase(file, { create: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(readSchemaVersion(db)).toBe(schemaVersion);
    expect(schemaVersion).toBe(migrations.length);
    expect(db.pragma('application_id', { simple: true })).toBe(projectApplicationId);
    // Migrations are plain SQL, so migration 5 spells the id out: both say 'CSRA'.
    expect(Buffer.from(projectApplicationId.toString(16), 'hex').toString('ascii')).toBe('CSRA');
    expect(migrations[4]!.sql).toContain(`PRAGMA application_id = ${projectApplicationId};`);
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
    expect(() =>
      db
        .prepare(
          "INSERT INTO labels (image_id, class_id, state, source, at) VALUES (1, 999, 'positive', 'human', 'now')",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
    db.prepare("INSERT INTO classes (name, color, position) VALUES ('dog', '#fff', 0)").run();
    expect(() =>
      db
        .prepare(
          "INSERT INTO labels (image_id, class_id, state, source, at) VALUES (1, 1, 'maybe', 'human', 'now')",
        )
        .run(),
    ).toThrow(/CHECK/);
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

  it('recognises a project of an app that predates the id by its tables, and gives it the id', async () => {
    const file = join(await tempDir(), 'v4.sqlite');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    for (const migration of migrations.slice(0, 4)) old.exec(migration.sql);
    old.pragma('user_version = 4');
    old.prepare("INSERT INTO classes (name, color, position) VALUES ('dog', '#fff', 0)").run();
    old.close();

    const db = openDatabase(file, { create: false });
    expect(readSchemaVersion(db)).toBe(schemaVersion);
    expect(db.pragma('application_id', { simple: true })).toBe(projectApplicationId);
    expect(db.prepare('SELECT name FROM classes').pluck().all()).toEqual(['dog']);
    db.close();
  });

  it('refuses to create over an existing file and to open a missing one', async () => {
    const dir = await tempDir();
    const file = join(dir, 'p.sqlite');
    openDatabase(file, { create: true }).close();
    expect(() => openDatabase(file, { create: true })).toThrow(/already exists/);
    expect(() => openDatabase(join(dir, 'missing.sqlite'), { create: false })).toThrow(/no project at/);
  });

  it('says why a project cannot be created where it cannot be, and leaves no file there', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'notes.txt'), 'a file, not a folder');
    // Root writes through any mode bits; sysfs refuses it a new file all the same.
    const unwritable = process.getuid?.() === 0 ? '/sys' : join(dir, 'locked');
    if (unwritable !== '/sys') await mkdir(unwritable, { mode: 0o500 });
    const cases: [string, RegExp][] = [
      [join(dir, 'gone', 'p.sqlite'), /^cannot create .*gone\/p\.sqlite: the folder .*gone does not exist$/],
      [
        join(dir, 'notes.txt', 'p.sqlite'),
        /^cannot create .*notes\.txt\/p\.sqlite: .*notes\.txt is not a folder$/,
      ],
      [
        join(unwritable, 'p.sqlite'),
        /^cannot create .*p\.sqlite: permission denied \(this user may not write in .*\)$/,
      ],
    ];
    for (const [file, message] of cases) {
      expect(() => openDatabase(file, { create: true }), file).toThrow(
        expect.objectContaining({ code: 'io_error', message: expect.stringMatching(message) }),
      );
      expect(existsSync(file), file).toBe(false);
    }
  });

  it('says a project it may not write is read-only, and writes nothing there', async (context) => {
    const dir = await tempDir();
    await mkdir(join(dir, 'project'));
    const file = join(dir, 'project', 'p.sqlite');
    openDatabase(file, { create: true }).close();
    const refused = async (path: string, reason: string) => {
      const before = await readdir(dirname(path));
      expect(() => openDatabase(path, { create: false })).toThrow(
        expect.objectContaining({
          code: 'io_error',
          message: `${path} is read-only (${reason}); copy the project to a folder you can write in to open it`,
        }),
      );
      expect(await readdir(dirname(path))).toEqual(before);
    };
    if (process.getuid?.() !== 0) {
      await chmod(file, 0o444);
      await refused(file, 'this user may not write to it');
      await chmod(file, 0o644);
      await chmod(dirname(file), 0o555);
      await refused(
        file,
        `this user may not write in ${dirname(file)}, where SQLite keeps its journal beside it`,
      );
      await chmod(dirname(file), 0o755);
      return;
    }
    // Root writes through any mode bits: a read-only mount is what refuses it.
    const mounted = join(dir, 'mounted');
    await mkdir(mounted);
    const mount = (...args: string[]) => spawnSync('mount', args, { encoding: 'utf8' });
    const bound = mount('--bind', '-o', 'ro', dirname(file), mounted);
    context.skip(bound.status !== 0, `no read-only mount can be made here: ${bound.stderr.trim()}`);
    try {
      const remounted = mount('-o', 'remount,ro,bind', mounted);
      expect(remounted.status, remounted.stderr).toBe(0);
      await refused(join(mounted, 'p.sqlite'), 'it is on a read-only disk');
    } finally {
      spawnSync('umount', [mounted]);
    }
  });

  it('refuses any other file, having written nothing to it nor beside it', async () => {
    const dir = await tempDir();
    const sqlite = (name: string, build: (db: Database.Database) => void) => {
      const file = join(dir, name);
      const db = new Database(file);
      build(db);
      db.close();
      return file;
    };
    const text = join(dir, 'notes.sqlite');
    await writeFile(text, 'just some text that is long enough to look like a header of something else');
    const zeroBytes = join(dir, 'zero.sqlite');
    await writeFile(zeroBytes, '');
    const anotherApp = (db: Database.Database) =>
      db.exec(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hi')",
      );
    const cases: [string, string, RegExp][] = [
      [text, 'corrupt_database', /notes\.sqlite is not a CSRA Studio project: file is not a database$/],
      [
        sqlite('other.sqlite', anotherApp),
        'corrupt_database',
        /other\.sqlite is not a CSRA Studio project \(it is another application's SQLite database\)$/,
      ],
      // Other apps number their schemas too: a version alone does not make a project.
      [
        sqlite('other-v3.sqlite', (db) => {
          anotherApp(db);
          db.pragma('user_version = 3');
        }),
        'corrupt_database',
        /other-v3\.sqlite is not a CSRA Studio project \(it is another application's SQLite database\)$/,
      ],
      [
        sqlite('no-tables.sqlite', (db) => db.pragma('user_version = 0')),
        'corrupt_database',
        /no-tables\.sqlite is empty, not a CSRA Studio project; create a project instead$/,
      ],
      [
        zeroBytes,
        'corrupt_database',
        /zero\.sqlite is empty, not a CSRA Studio project; create a project instead$/,
      ],
      [
        sqlite('newer.sqlite', (db) => {
          for (const migration of migrations) db.exec(migration.sql);
          db.pragma(`user_version = ${schemaVersion + 1}`);
        }),
        'conflict',
        new RegExp(
          `newer\\.sqlite was made by a newer CSRA Studio \\(schema ${schemaVersion + 1}, this app knows ${schemaVersion}\\); update the app$`,
        ),
      ],
    ];
    for (const [file, code, message] of cases) {
      const before = await readFile(file);
      expect(() => openDatabase(file, { create: false }), file).toThrow(
        expect.objectContaining({ code, message: expect.stringMatching(message) }),
      );
      expect(await readFile(file), file).toEqual(before);
      for (const beside of ['-wal', '-shm', '-journal'])
        expect(existsSync(file + beside), file + beside).toBe(false);
    }
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
});
