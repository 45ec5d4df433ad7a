import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { layerViolation } from './layers.js';

describe('the layer rules', () => {
  it.each([
    ['src/shared/labels.ts', 'node:fs', 'may not import a Node module'],
    ['src/shared/labels.ts', 'path', 'may not import a Node module'],
    ['src/shared/labels.ts', '../main/paths', 'may import only src/shared'],
    ['src/renderer/src/lib/api.ts', '../../../main/api', 'may import only src/renderer and src/shared'],
    ['src/renderer/src/components/library/GridTile.svelte', 'node:path', 'may not import a Node module'],
    ['src/renderer/src/lib/api.ts', 'electron', 'only src/main/electron and src/preload'],
    ['src/preload/index.ts', '../main/api', 'may import only src/preload and src/shared'],
    ['src/main/db/connection.ts', '../library/scan', 'no service'],
    ['src/main/db/images.ts', '../api', 'no service'],
    ['src/main/db/images.ts', '../files/folder-listing', 'no service'],
    ['src/main/files/regular-file.ts', '../library/scan', 'may import only each other and src/shared'],
    ['src/main/library/scan.ts', '../host/server', 'may not import host/ or electron/'],
    ['src/main/api.ts', './electron/native-dialogs', 'may not import host/ or electron/'],
    ['src/main/training/train-job.ts', 'electron', 'only src/main/electron and src/preload'],
    ['src/main/api.ts', '$lib/format', 'may not import the renderer or the preload'],
    [
      'src/renderer/src/lib/review.svelte.ts',
      '../../../../test/fixtures/direct-api',
      'only specs may import',
    ],
  ])('%s may not import %s', (file, specifier, reason) => {
    expect(layerViolation(specifier, file)).toContain(reason);
  });

  it.each([
    ['src/shared/contract.ts', 'zod'],
    ['src/shared/contract.ts', './rpc'],
    ['src/renderer/src/lib/api.ts', '$shared/rpc'],
    ['src/renderer/src/components/library/GridTile.svelte', '$lib/format'],
    ['src/renderer/src/components/library/LibraryGrid.svelte', './GridTile.svelte'],
    ['src/renderer/src/lib/review.svelte.test.ts', '../../../../test/fixtures/direct-api'],
    ['src/preload/index.ts', 'electron'],
    ['src/main/electron/main.ts', 'electron'],
    ['src/main/electron/main.ts', '../api'],
    ['src/main/host/server.ts', '../api'],
    ['src/main/cli.ts', './host/start'],
    ['src/main/db/connection.ts', '../files/fs-errors'],
    ['src/main/files/regular-file.ts', './fs-errors'],
    ['src/main/db/connection.ts', 'better-sqlite3'],
    ['src/main/db/transaction.test.ts', '../api'],
    ['src/main/library/scan.ts', '../db/images'],
  ])('%s may import %s', (file, specifier) => {
    expect(layerViolation(specifier, file)).toBeNull();
  });
});

describe('lint, as `npm run lint` runs it', () => {
  it('fails an import that breaks a layer, naming the import and the rule it breaks', async () => {
    const eslint = new ESLint();
    const [result] = await eslint.lintText(
      "import '../library/scan';\n",
      // The text stands in for a real module of the layer, so the type-aware rules can read it too.
      { filePath: 'src/main/db/connection.ts' },
    );
    expect(result?.messages.map(({ ruleId, message }) => ({ ruleId, message }))).toEqual([
      {
        ruleId: 'layers/imports',
        message:
          '../library/scan: src/main/db is the storage layer: it may import only db/, src/shared and the file utilities, no service',
      },
    ]);
  });
});
