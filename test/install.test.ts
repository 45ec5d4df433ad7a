// The first `npm ci`: its long step (better-sqlite3 compiling SQLite where no prebuilt binary can be
// downloaded) announces itself, as npm runs install scripts in the foreground for this project.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { repoRoot } from './fixtures/paths';

it('has npm show install scripts as they run', async () => {
  const { stdout } = await promisify(execFile)('npm', ['config', 'get', 'foreground-scripts'], {
    cwd: repoRoot,
  });
  expect(stdout.trim()).toBe('true');
});
