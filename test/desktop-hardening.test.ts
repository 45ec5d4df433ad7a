// The desktop app's hardening as its files show it: Electron cannot run here. (The formatter, lint
// and the type checkers run before the specs, as `npm run check`.)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../src/main/security';
import { repoRoot } from './fixtures/paths';

describe('the desktop app', () => {
  // Electron cannot run here: what the desktop app's hardening rests on is checked in its files.
  it('is hardened: fuses, no permissions, one instance, API calls from its own page only, its CSP', async () => {
    const source = (path: string) => readFile(join(repoRoot, path), 'utf8');
    const builder = await source('build/electron-builder.yml');
    const fuses = Object.fromEntries(
      [
        ...(builder.match(/^electronFuses:\n((?: {2}\w+: \w+\n)+)/m)?.[1] ?? '').matchAll(/(\w+): (\w+)/g),
      ].map(([, key, value]) => [key, value]),
    );
    expect(fuses).toEqual({
      runAsNode: 'false',
      enableCookieEncryption: 'true',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
    });

    const main = await source('src/main/electron/main.ts');
    expect(main).toContain(
      'setPermissionRequestHandler((_contents, _permission, callback) => callback(false))',
    );
    expect(main).toContain('setPermissionCheckHandler(() => false)');
    expect(main).toMatch(
      /const firstInstance = app\.requestSingleInstanceLock\(\);\nif \(!firstInstance\) app\.quit\(\);/,
    );
    // Every IPC channel (the API and the two native dialogs) answers the app's own page only.
    expect(main).toMatch(/const fromApp = \(\{ senderFrame \}: IpcMainInvokeEvent\) =>\s+isAppFrame\(/);
    const handlers = main.split('ipcMain.handle(').slice(1);
    expect(handlers.map((handler) => handler.match(/^'([^']+)'/)?.[1])).toEqual([
      'api',
      'dialog:open',
      'dialog:new-project',
    ]);
    for (const handler of handlers) expect(handler.split('\n  });')[0]).toContain('fromApp(event)');
    // The dev server's page only where rendererEntry allows it, i.e. never in a packaged app.
    expect(main.match(/ELECTRON_RENDERER_URL/g)).toHaveLength(1);
    expect(main).toMatch(/rendererEntry\(\s*app\.isPackaged,\s*process\.env\.ELECTRON_RENDERER_URL,/);

    // A page from file:// gets its CSP from the meta tag alone, which cannot carry frame-ancestors.
    const meta = (await source('src/renderer/index.html')).match(
      /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/,
    )?.[1];
    expect(meta?.split('; ')).toEqual(
      contentSecurityPolicy.split('; ').filter((directive) => !directive.startsWith('frame-ancestors')),
    );
  });
});
