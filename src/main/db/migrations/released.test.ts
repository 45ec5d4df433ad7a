// Released migrations are immutable: a project file already migrated past one never runs it again,
// so an edit would make new projects differ from old ones without either knowing. Each released
// migration's SQL is pinned here by its SHA-256; a change to the schema is a new numbered file.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { migrations, schemaVersion } from '.';
import type { Migration } from './migration';

/** SHA-256 of each migration's SQL, by number. Append a line per new migration; never edit one. */
const released: Record<number, string> = {
  1: 'bda43b89d212d442888406c27941dbc15e3db56c46898e1bf750c13d016c52f3',
  2: 'feb775b714382eb41066e304a55dee21f93d518b6bcbbddb95b742b0e1a03c18',
  3: '31dccdfa2aed6776de25097eafdbbd888e68b23c1dfb0a56492e313dd55954b5',
  4: 'dbd7513d288e3be6060c2fab325ddb5e53210b20ea692ef32d35a476bed627b1',
  5: '065be55fb888c07a2171031a04ee4689e9b47e793674851e47c2ee0540b082aa',
  6: '3d13f1e89db74ba4161097425917a9ea4cee4d4dfa174b04fda4631de5762240',
  7: '3d0347f691c0822ac1b90679ea2a8d19386a3f2c38bbbb97483f2593b05bd1e7',
  8: 'd3c02305f5a970e02239296b93c39ddd6c617c37d2f0b8de92bea780225e1313',
  9: 'a37d0a3d80a374f7dcb461669098d8592a652ad8ea9ec62e0fbc29c839f4e4f2',
  10: 'a1a938d7fdc7ecb90162d38247920737c22c5114e78abcfb742d3dd55bee0d4c',
  11: '2a41f2f4104451eb26a714e723194fb3cbdb631a81f22e9c35a6e78873fe66bb',
};

const folder = fileURLToPath(new URL('.', import.meta.url));
/** The migration files, `NNNN-what-it-does.ts`, in order of their names. */
const files = readdirSync(folder)
  .filter((name) => /^\d+-/.test(name))
  .sort();
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('released migrations', () => {
  it('have the SQL they were released with', () => {
    for (const migration of migrations) {
      const hash = sha256(migration.sql);
      expect(
        released[migration.version],
        `migration ${migration.version} has no hash here: add ${migration.version}: '${hash}' to ` +
          '`released` once it is final (from then on it is never edited).',
      ).toBeDefined();
      expect(
        hash,
        `migration ${migration.version} (${migration.name}) changed after its release. Released ` +
          'migrations are immutable: projects already past it never run it again. Restore its ' +
          'SQL and put the change in a new migration file with the next number.',
      ).toBe(released[migration.version]);
    }
  });

  it('are all still listed', () => {
    expect(schemaVersion, 'a released migration is never removed').toBeGreaterThanOrEqual(
      Object.keys(released).length,
    );
  });

  it('are numbered 1, 2, 3, … in the list, each in a file NNNN-name.ts of its number', async () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(schemaVersion).toBe(migrations.length);
    expect(files, 'one file per migration, named NNNN-what-it-does.ts').toHaveLength(migrations.length);
    for (const [i, file] of files.entries()) {
      expect(file).toMatch(/^\d{4}-[a-z0-9]+(-[a-z0-9]+)*\.ts$/);
      expect(Number(file.slice(0, 4)), `${file} is not numbered ${i + 1}`).toBe(i + 1);
      const { migration } = (await import(/* @vite-ignore */ `./${file}`)) as {
        migration: Migration;
      };
      expect(migration.version, `${file} holds migration ${migration.version}`).toBe(i + 1);
      expect(migrations[i], `index.ts lists ${file} at ${i + 1}`).toBe(migration);
    }
  });
});
