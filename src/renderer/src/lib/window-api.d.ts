// `window.api` exists only in the Electron renderer, put there by src/preload/index.ts.
import type { PreloadBridge } from './preload-transport';

declare global {
  interface Window {
    api?: PreloadBridge;
  }
}

export {};
