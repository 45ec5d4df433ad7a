// The one client the UI talks to: Electron's preload bridge when it is there, otherwise the browser
// host's WebSocket at /api on the page's own origin, the tab's token in its URL as in every media URL.
import { createClient, type Api, type Transport } from '$shared/rpc';
import { takeHostToken } from './host-token';
import { createPreloadTransport } from './preload-transport';
import { createWebSocketTransport, type ConnectionStatus } from './ws-transport';

export const inElectron = typeof window !== 'undefined' && window.api !== undefined;

const hostToken = inElectron
  ? null
  : takeHostToken({
      href: location.href,
      storage: sessionStorage,
      replaceAddress: (address) => history.replaceState(history.state, '', address),
    });
/** In a browser opened without the printed address: nothing can be read. */
export const missingHostToken = !inElectron && hostToken === null;

/** Connection state for the UI; always open in Electron, where IPC cannot drop. */
export interface Connection {
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
}

function chooseTransport(): { transport: Transport; connection: Connection } {
  if (window.api) {
    return {
      transport: createPreloadTransport(window.api),
      connection: {
        onStatus: (listener) => {
          listener({ state: 'open', failures: 0 });
          return () => {};
        },
      },
    };
  }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const transport = createWebSocketTransport({
    url: `${scheme}://${location.host}/api?${new URLSearchParams({ token: hostToken ?? '' })}`,
    connect: (url) => new WebSocket(url),
  });
  return { transport, connection: transport };
}

const chosen = chooseTransport();

export const api: Api = createClient(chosen.transport);
export const connection: Connection = chosen.connection;

/**
 * The URL of a photo's thumbnail or full image. `scope` (the project path) only keeps the browser
 * cache apart between projects, whose image ids overlap; the transports ignore it. In a browser the
 * URL carries the tab's token, which the host requires.
 */
export function mediaUrl(kind: 'thumb' | 'photo', id: number, scope?: string): string {
  const params = new URLSearchParams(scope ? { p: scopeKey(scope) } : {});
  if (!inElectron) params.set('token', hostToken ?? '');
  const query = params.toString();
  const path = `${kind}/${id}${query ? `?${query}` : ''}`;
  return inElectron ? `csra-media://${path}` : `/media/${path}`;
}

/** FNV-1a of the project path, in base 36: short, stable, and not the path itself. */
function scopeKey(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}
