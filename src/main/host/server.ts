// The browser host: serves the built renderer and photo bytes over http, and the API contract over
// a WebSocket. Bound to 127.0.0.1 only. Every photo, thumbnail and WebSocket must carry the per-run
// token in its URL; the page keeps it in sessionStorage, never in a cookie: cookies are shared by
// every port of 127.0.0.1, so one would reach any other local server and be replaced by a second
// host's. The app's shell (scripts, styles) holds no data and is served to anyone on the machine.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { maxRequestBytes, type OpName } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import type { Studio } from '../api';
import { parseMediaPath } from '../media';
import { contentSecurityPolicy } from '../security';

export interface Host {
  url: string;
  /** The URL to open once: it hands the token to the browser. */
  openUrl: string;
  close(): Promise<void>;
}

const staticTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

export async function startHost(options: {
  studio: Studio;
  rendererDir: string;
  port?: number;
}): Promise<Host> {
  const { studio, rendererDir } = options;
  const token = randomBytes(24).toString('base64url');
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxRequestBytes });
  let port = 0;
  let origin = '';

  const authorised = (url: URL) => sameToken(url.searchParams.get('token'), token);

  const server = createServer((request, response) => {
    void handleHttp(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, 'internal error');
      console.error('csra-studio host:', error);
    });
  });

  async function handleHttp(request: IncomingMessage, response: ServerResponse) {
    applySecurityHeaders(response);
    if (!validHost(request, port)) return send(response, 421, 'unexpected Host header');
    const target = requestTarget(request);
    if (!target) return send(response, 400, 'malformed URL');
    const { url, path } = target;
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(response, 405, 'method not allowed');
    if (request.headers.host !== ownHost(port)) {
      // Typed as localhost: the page must run at the one origin its WebSocket is accepted from.
      response.setHeader('Location', `${origin}${request.url}`);
      return send(response, 308, '');
    }
    const media = path.startsWith('/media/');
    // A token in the address of the shell is checked too, so a mistyped one is refused here.
    if ((media || url.searchParams.has('token')) && !authorised(url))
      return send(response, 401, 'missing or wrong token; open the URL printed at start');
    if (media) return serveMedia(path.slice('/media/'.length), response);
    return serveStatic(path, response);
  }

  async function serveMedia(path: string, response: ServerResponse) {
    const target = parseMediaPath(path);
    if (!target) return send(response, 404, 'not found');
    try {
      const media = await studio.readMedia(target.kind, target.id);
      response.setHeader('Content-Type', media.type);
      response.setHeader('Cache-Control', 'private, max-age=3600');
      response.end(media.bytes);
    } catch (error) {
      const status = error instanceof ApiError && error.code !== 'io_error' ? 404 : 500;
      send(response, status, (error as Error).message);
    }
  }

  async function serveStatic(pathname: string, response: ServerResponse) {
    const file = join(rendererDir, normalize(pathname === '/' ? '/index.html' : pathname));
    if (!file.startsWith(rendererDir + sep)) return send(response, 404, 'not found');
    const body = await readFile(file).catch(() => null);
    if (!body) return send(response, 404, 'not found');
    response.setHeader('Content-Type', staticTypes[extname(file)] ?? 'application/octet-stream');
    response.setHeader('Cache-Control', 'no-cache');
    response.end(body);
  }

  server.on('upgrade', (request, socket, head) => {
    const target = requestTarget(request);
    const allowed =
      target?.path === '/api' &&
      request.headers.host === ownHost(port) &&
      // Only a page this host served: a page of another port of 127.0.0.1 is another origin.
      request.headers.origin === origin &&
      authorised(target.url);
    if (!allowed) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveApi(ws, studio));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  origin = `http://${ownHost(port)}`;

  return {
    url: origin,
    openUrl: `${origin}/?token=${token}`,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** One WebSocket client: `{id, op, input}` in, `{id, ...envelope}` out, plus `{event}` pushes. */
function serveApi(ws: WebSocket, studio: Studio) {
  const unsubscribe = studio.subscribe((event) => ws.send(JSON.stringify({ event })));
  ws.on('close', unsubscribe);
  // A protocol error (a frame over the request limit, text that is not UTF-8) is that client's
  // alone: ws closes its socket with the matching code, and every other client goes on.
  ws.on('error', (error) => console.warn(`csra-studio host: closed a client connection: ${error.message}`));
  ws.on('message', (data) => void answer(ws, studio, data));
}

/** Answers one request; `studio.call` never rejects: every failure comes back as its envelope. */
async function answer(ws: WebSocket, studio: Studio, data: RawData): Promise<void> {
  let message: { id?: unknown; op?: unknown; input?: unknown } | null;
  try {
    message = JSON.parse(messageText(data)) as typeof message;
  } catch {
    return ws.send(
      JSON.stringify({ id: null, ok: false, error: { code: 'invalid_request', message: 'not JSON' } }),
    );
  }
  const id = typeof message?.id === 'number' ? message.id : null;
  const envelope = await studio.call(message?.op as OpName, message?.input);
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, ...envelope }));
}

/** ws hands a message over as one Buffer (its default binaryType), or as fragments where asked to. */
function messageText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
}

function applySecurityHeaders(response: ServerResponse) {
  response.setHeader('Content-Security-Policy', contentSecurityPolicy);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

/** The Host of every request the host serves: the address it listens at. */
const ownHost = (port: number) => `127.0.0.1:${port}`;

// A page on another site resolving its own name to 127.0.0.1 (DNS rebinding) sends its own Host;
// a person may type either name of this machine (localhost is sent on to 127.0.0.1).
function validHost(request: IncomingMessage, port: number): boolean {
  return request.headers.host === ownHost(port) || request.headers.host === `localhost:${port}`;
}

/** The request's URL and its decoded path, or null when either is malformed (`//`, `/%`). */
function requestTarget(request: IncomingMessage): { url: URL; path: string } | null {
  try {
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    return { url, path: decodeURIComponent(url.pathname) };
  } catch {
    return null;
  }
}

function sameToken(candidate: string | null | undefined, token: string): boolean {
  if (!candidate) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(response: ServerResponse, status: number, message: string) {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.end(message);
}
