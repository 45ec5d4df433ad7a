// Who may call the API over Electron's IPC: only the top frame of the app's own page. Kept apart
// from the Electron main process so the decision runs, and is tested, in plain Node.
import type { Envelope } from '$shared/rpc';

/** The page the window loads: a dev server's only while developing, never in a packaged app. */
export const rendererEntry = (packaged: boolean, devServer: string | undefined, built: string): string =>
  (!packaged && devServer) || built;

/**
 * Whether a frame is the app's own page, loaded from `appUrl`: the built page is a file, matched by
 * its path whatever its query or fragment; a dev server is matched by its origin, which serves the
 * page's modules too. A frame inside the page (an iframe) never is.
 */
export function isAppFrame(frame: { url: string; top: boolean } | null, appUrl: string): boolean {
  if (!frame?.top || !URL.canParse(frame.url)) return false;
  const sender = new URL(frame.url);
  const app = new URL(appUrl);
  return app.protocol === 'file:'
    ? sender.protocol === 'file:' && sender.host === app.host && sender.pathname === app.pathname
    : app.origin !== 'null' && sender.origin === app.origin;
}

/** The answer to a call from any other frame: a typed error, as every refused call gets. */
export const refusedSender: Envelope = {
  ok: false,
  error: { code: 'invalid_request', message: "only CSRA Studio's own window may call its API" },
};
