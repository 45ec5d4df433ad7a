import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndWait } from '../../../test/fixtures/direct-api';
import { repoRoot } from '../../../test/fixtures/paths';
import { copyVocPhotoFiles, writeDerivedLabelsCsv } from '../../../test/fixtures/voc';
import { tempDir, vocPhotoNames } from '../../../test/fixtures/workspace';
import type { Written } from '../../../test/fixtures/writer-child';
import { createClient } from '$shared/rpc';
import { createStudio } from '../api';

/** Starts test/fixtures/writer-child.ts; `line(n)` resolves with the n-th line it prints. */
function startWriter(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'test', 'fixtures', 'writer-child.ts'), ...args],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const lines: string[] = [];
  const waiting: (() => void)[] = [];
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    const complete = stdout.split('\n');
    stdout = complete.pop()!;
    lines.push(...complete);
    waiting.splice(0).forEach((wake) => wake());
  });
  const exited = once(child, 'exit');
  const line = async (n: number): Promise<string> => {
    while (lines.length < n) {
      const printed = new Promise<void>((resolve) => waiting.push(resolve));
      const [code] = await Promise.race([printed.then(() => [null]), exited]);
      if (lines.length < n && code !== null) throw new Error(`writer ${args[1]} exited ${code}: ${stderr}`);
    }
    return lines[n - 1]!;
  };
  const written = async () => JSON.parse(await line(args[1] === 'label' ? 2 : 1)) as Written;
  return { child, line, written };
}

describe('a project written by several processes at once', () => {
  it('takes two processes labelling and undoing and a third importing photos and labels, none failing', async () => {
    const dir = await tempDir();
    const projectPath = join(dir, 'project.sqlite');
    const names = await vocPhotoNames(212);
    const [labelled, imported] = [names.slice(0, 12), names.slice(12)];
    const studio = createStudio();
    const api = createClient(studio);
    await api.createProject({ path: projectPath });
    await copyVocPhotoFiles(join(dir, 'first'), labelled);
    await writeDerivedLabelsCsv(join(dir, 'first.csv'), labelled, {});
    await importAndWait(api, join(dir, 'first'), join(dir, 'first.csv'));
    await copyVocPhotoFiles(join(dir, 'more'), imported);
    await writeDerivedLabelsCsv(join(dir, 'more.csv'), imported, {});
    await studio.close();

    const labellers = [startWriter([projectPath, 'label']), startWriter([projectPath, 'label'])];
    await Promise.all(labellers.map((labeller) => labeller.line(1)));
    const importer = startWriter([projectPath, 'import', join(dir, 'more'), join(dir, 'more.csv')]);
    expect(await importer.written()).toEqual({ calls: 1, failures: [] });
    for (const { child } of labellers) child.stdin.end();
    for (const labeller of labellers) {
      const { calls, failures } = await labeller.written();
      expect(failures).toEqual([]);
      // The labels and undos ran all through the import, which holds the write lock now and then.
      expect(calls).toBeGreaterThan(20);
    }

    const after = createStudio();
    const reader = createClient(after);
    await reader.openProject({ path: projectPath });
    expect((await reader.listImages({ limit: 1 })).total).toBe(names.length);
    await after.close();
  }, 600_000);
});

describe('transactions', () => {
  it('are made by writeTransaction or readTransaction only, the one place that says how they begin', async () => {
    const main = join(repoRoot, 'src', 'main');
    const begun: string[] = [];
    for (const entry of await readdir(main, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.ts$/.test(entry.name) || entry.name.endsWith('.test.ts')) continue;
      const file = join(entry.parentPath, entry.name);
      if (/\.transaction\(/.test(await readFile(file, 'utf8'))) begun.push(relative(main, file));
    }
    expect(begun).toEqual(['db/transaction.ts']);
  });
});
