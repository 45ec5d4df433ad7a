// Exposes the API contract to the sandboxed renderer as window.api: one function per operation,
// each returning the envelope main produced, plus the event subscription; and as window.dialogs
// the two native file dialogs. Nothing else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { NativeDialogs } from '$shared/dialogs';
import { opNames, type ApiEvent, type Envelope } from '$shared/rpc';

const api: Record<string, unknown> = Object.fromEntries(
  opNames.map((op) => [op, (input: unknown): Promise<Envelope> => ipcRenderer.invoke('api', op, input)]),
);
api.onEvent = (listener: (event: ApiEvent) => void) => {
  const forward = (_event: IpcRendererEvent, event: ApiEvent) => listener(event);
  ipcRenderer.on('api:event', forward);
  return () => ipcRenderer.off('api:event', forward);
};

contextBridge.exposeInMainWorld('api', api);

const dialogs: NativeDialogs = {
  openPath: (kind) => ipcRenderer.invoke('dialog:open', kind),
  newProjectPath: (purpose) => ipcRenderer.invoke('dialog:new-project', purpose),
};
contextBridge.exposeInMainWorld('dialogs', dialogs);
