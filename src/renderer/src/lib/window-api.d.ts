// `window.api` and `window.dialogs` exist only in the Electron renderer, put there by src/preload/index.ts.
import type { NativeDialogs } from '$shared/dialogs';
import type { PreloadBridge } from './preload-transport';

declare global {
  interface Window {
    api?: PreloadBridge;
    dialogs?: NativeDialogs;
  }
}

export {};
