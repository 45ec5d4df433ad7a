// The formatter and the type checker, as part of the test run so their failures are counted.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures/paths';

const run = promisify(execFile);

async function check(command: string, args: string[]) {
  try {
    await run(command, args, { cwd: repoRoot, maxBuffer: 16 << 20 });
    return '';
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return `${stdout}${stderr}`.trim() || String(error);
  }
}

describe('the source', () => {
  it('is formatted (prettier --check)', async () => {
    expect(await check('npx', ['prettier', '--check', '--log-level', 'warn', '.'])).toBe('');
  });

  it('type-checks in Node code (tsc, strict)', async () => {
    expect(await check('npx', ['tsc', '-p', 'tsconfig.node.json'])).toBe('');
  });

  it('type-checks in the renderer, Svelte components included (svelte-check, strict)', async () => {
    expect(
      await check('npx', [
        'svelte-check',
        '--tsconfig',
        './tsconfig.web.json',
        '--fail-on-warnings',
        '--output',
        'machine',
      ]),
    ).toBe('');
  });
});
