// The Electron main process: window, IPC registration and the media protocol. The only code that
// imports 'electron'; everything it serves comes from the same Studio as the browser host and CLI.
import { app, BrowserWindow, ipcMain, protocol, session } from 'electron';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { OpName } from '../../shared/contract';
import { createStudio } from '../api';
import { parseMediaPath, readMedia } from '../media';
import { contentSecurityPolicy } from '../security';

protocol.registerSchemesAsPrivileged([
  { scheme: 'csra-media', privileges: { standard: true, secure: true } },
]);

const studio = createStudio();
const rendererUrl = new URL('../renderer/index.html', import.meta.url);
const preload = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    show: false,
    title: 'CSRA Studio',
    webPreferences: { preload, contextIsolation: true, sandbox: true, nodeIntegration: false },
  });
  window.once('ready-to-show', () => window.show());
  // Nothing navigates away from the app or opens new windows.
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const unsubscribe = studio.subscribe((event) => window.webContents.send('api:event', event));
  window.on('closed', unsubscribe);
  void window.loadURL(process.env.ELECTRON_RENDERER_URL ?? rendererUrl.href);
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] },
    });
  });
  protocol.handle('csra-media', async (request) => {
    const url = new URL(request.url);
    const target = parseMediaPath(`${url.host}${url.pathname}`);
    if (!target) return new Response('not found', { status: 404 });
    try {
      const media = await readMedia(studio.project, target.kind, target.id);
      const body = 'bytes' in media ? media.bytes : await readFile(media.file);
      return new Response(new Uint8Array(body), { headers: { 'Content-Type': media.type } });
    } catch (error) {
      return new Response((error as Error).message, { status: 404 });
    }
  });
  ipcMain.handle('api', (_event, op: OpName, input: unknown) => studio.call(op, input));
  createWindow();
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && createWindow());
});

app.on('window-all-closed', () => app.quit());
app.on('will-quit', (event) => {
  event.preventDefault();
  void studio.close().finally(() => app.exit(0));
});
