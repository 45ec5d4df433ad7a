// The desktop app itself, driven by Playwright's Electron support. Runs only where the Electron
// binary is installed (see README, "Desktop app"); everything behind window.api is covered in Node
// and Chromium by the other tests, through the same contract.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/electron-binary.js';
import { opNames } from '$shared/rpc';
import { repoRoot, vocImages } from '../fixtures/paths';

/** The preload's api as the page sees it, to the depth this spec reads its answers. */
interface DesktopApi {
  createProject(input: { path: string }): Promise<unknown>;
  startImport(input: { folder: string }): Promise<unknown>;
  listJobs(input: object): Promise<{ result: { status: string }[] }>;
  getProject(input: object): Promise<{ result: { imageCount: number } }>;
}

const binary = electronBinary();

describe.skipIf(!binary)('the desktop app (skipped: no Electron binary; see README, "Desktop app")', () => {
  it('exposes exactly the contract to a sandboxed renderer and imports photos through IPC', async () => {
    const app = await _electron.launch({ executablePath: binary!, args: [repoRoot] });
    try {
      const page = await app.firstWindow();
      const exposed = await page.evaluate(() =>
        Object.keys((globalThis as unknown as { api: object }).api).sort(),
      );
      expect(exposed).toEqual([...opNames, 'onEvent'].sort());
      // The native dialogs: Electron's own dialog answers as a person picking a folder would.
      await app.evaluate(({ dialog }, folder) => {
        dialog.showOpenDialog = async () => ({ canceled: false, filePaths: [folder] });
      }, vocImages);
      const picked = await page.evaluate(async () => {
        const dialogs = (globalThis as unknown as { dialogs: Record<string, (kind?: unknown) => unknown> })
          .dialogs;
        return {
          names: Object.keys(dialogs).sort(),
          folder: await dialogs.openPath!('folder'),
          refused: await dialogs.openPath!({ properties: ['openFile', 'multiSelections'] }),
        };
      });
      expect(picked).toEqual({ names: ['newProjectPath', 'openPath'], folder: vocImages, refused: null });
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
        'undefined',
      );
      const project = join(await mkdtemp(join(tmpdir(), 'csra-desktop-')), 'desktop.sqlite');
      const info = await page.evaluate(
        async ([path, folder]) => {
          const api = (globalThis as unknown as { api: DesktopApi }).api;
          await api.createProject({ path });
          await api.startImport({ folder });
          for (let i = 0; i < 600; i += 1) {
            const [job] = (await api.listJobs({})).result;
            if (job?.status !== 'running') break;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          return (await api.getProject({})).result;
        },
        [project, vocImages] as const,
      );
      expect(info.imageCount).toBe(765);
    } finally {
      await app.close();
    }
  });
});
