// The Electron main process: window, IPC registration and the media protocol. The only code that
// imports 'electron'; everything it serves comes from the same Studio as the browser host and CLI.
import { app, BrowserWindow, dialog, ipcMain, protocol, session, type IpcMainInvokeEvent } from 'electron';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpName } from '$shared/contract';
import { createStudio } from '../api';
import { chosenPath, newProjectDialogOptions, openDialogOptions } from '../files/dialogs';
import { parseMediaPath } from '../media';
import { contentSecurityPolicy } from '../security';
import { isAppFrame, refusedSender, rendererEntry } from '../trusted-sender';

protocol.registerSchemesAsPrivileged([
  { scheme: 'csra-media', privileges: { standard: true, secure: true } },
]);

const studio = createStudio({ settingsFile: join(app.getPath('userData'), 'settings.json') });
const appUrl = rendererEntry(
  app.isPackaged,
  process.env.ELECTRON_RENDERER_URL,
  new URL('../renderer/index.html', import.meta.url).href,
);
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
  void window.loadURL(appUrl);
}

// One app at a time, so two never write one project: a second start brings the first to the front.
const firstInstance = app.requestSingleInstanceLock();
if (!firstInstance) app.quit();
app.on('second-instance', () => {
  const [window] = BrowserWindow.getAllWindows();
  if (window?.isMinimized()) window.restore();
  window?.focus();
});

void app.whenReady().then(() => {
  if (!firstInstance) return;
  // The app needs no permission (camera, location, notifications…): every request and check is denied.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] },
    });
  });
  protocol.handle('csra-media', (request) => serveMedia(request));
  async function serveMedia(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const target = parseMediaPath(`${url.host}${url.pathname}`);
    if (!target) return new Response('not found', { status: 404 });
    try {
      const media = await studio.readMedia(target.kind, target.id);
      return new Response(new Uint8Array(media.bytes), { headers: { 'Content-Type': media.type } });
    } catch (error) {
      return new Response((error as Error).message, { status: 404 });
    }
  }
  const fromApp = ({ senderFrame }: IpcMainInvokeEvent) =>
    isAppFrame(senderFrame && { url: senderFrame.url, top: senderFrame.parent === null }, appUrl);
  ipcMain.handle('api', (event, op: OpName, input: unknown) =>
    fromApp(event) ? studio.call(op, input) : refusedSender,
  );
  // The native dialogs, each over the window that asked; a request from elsewhere gets no dialog.
  const ownerOf = (event: IpcMainInvokeEvent) => BrowserWindow.fromWebContents(event.sender);
  ipcMain.handle('dialog:open', async (event, kind: unknown) => {
    const options = fromApp(event) && openDialogOptions(kind, homedir());
    const owner = ownerOf(event);
    if (!options || !owner) return null;
    return chosenPath(await dialog.showOpenDialog(owner, options));
  });
  ipcMain.handle('dialog:new-project', async (event, purpose: unknown) => {
    const options = fromApp(event) && newProjectDialogOptions(purpose, homedir());
    const owner = ownerOf(event);
    if (!options || !owner) return null;
    return chosenPath(await dialog.showSaveDialog(owner, options));
  });
  createWindow();
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && createWindow());
});

app.on('window-all-closed', () => app.quit());
app.on('will-quit', (event) => {
  event.preventDefault();
  void studio.close().finally(() => app.exit(0));
});
