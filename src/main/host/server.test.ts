import { rm, symlink } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { maxRequestBytes, operations } from '$shared/contract';
import { opNames } from '$shared/rpc';
import { largestRequest } from '../../../test/fixtures/contract-requests';
import { importAndWait, newStudio } from '../../../test/fixtures/direct-api';
import { rendererDir } from '../../../test/fixtures/paths';
import { copyVocPhotos } from '../../../test/fixtures/workspace';
import { startHost, type Host } from './server';

const hosts: Host[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

async function hostWithPhotos() {
  const { api, studio, dir } = await newStudio();
  const folder = join(dir, 'photos');
  await copyVocPhotos(folder, 2);
  await importAndWait(api, folder);
  const host = await startHost({ studio, rendererDir });
  hosts.push(host);
  const token = new URL(host.openUrl).searchParams.get('token')!;
  /** A media path as the page asks for it, with the token. */
  const media = (path: string) => `${host.url}${path}?token=${token}`;
  return { api, host, token, media };
}

/** A raw GET, so the test controls every header (fetch would set Host itself). */
function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(url, { headers }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

function openSocket(url: string, headers: Record<string, string>) {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function rpc(ws: WebSocket, message: unknown) {
  return new Promise<Record<string, unknown>>((resolve) => {
    ws.on('message', function onMessage(data) {
      const reply = JSON.parse((data as Buffer).toString());
      if ('event' in reply) return;
      ws.off('message', onMessage);
      resolve(reply);
    });
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

describe('the browser host', () => {
  it('listens on 127.0.0.1 only', async () => {
    const { host } = await hostWithPhotos();
    expect(new URL(host.url).hostname).toBe('127.0.0.1');
  });

  it('answers 401 to a photo or thumbnail without the token in its URL, and sets no cookie', async () => {
    const { host, token } = await hostWithPhotos();
    for (const path of ['/media/thumb/1', '/media/photo/1']) {
      expect((await get(`${host.url}${path}`)).status).toBe(401);
      expect((await get(`${host.url}${path}?token=wrong`)).status).toBe(401);
      // A cookie is no way in: every port of 127.0.0.1 shares cookies.
      expect((await get(`${host.url}${path}`, { cookie: `csra_token=${token}` })).status).toBe(401);
    }
    const opened = await get(host.openUrl);
    expect(opened.status).toBe(200);
    expect(opened.headers['set-cookie']).toBeUndefined();
    expect(opened.body).toContain('<div id="app">');
  });

  it('serves the shell, which holds no data, without the token, but refuses a wrong one', async () => {
    const { host } = await hostWithPhotos();
    const page = await get(`${host.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.body).toContain('<div id="app">');
    expect((await get(`${host.url}/?token=wrong`)).status).toBe(401);
  });

  it('refuses a request for another host name (DNS rebinding)', async () => {
    const { host, media } = await hostWithPhotos();
    const port = new URL(host.url).port;
    expect((await get(`${host.url}/`, { host: `evil.example:${port}` })).status).toBe(421);
    expect((await get(media('/media/thumb/1'), { host: `evil.example:${port}` })).status).toBe(421);
  });

  it('serves photo and thumbnail bytes only for photos of the open project, by id', async () => {
    const { host, media } = await hostWithPhotos();
    const thumb = await get(media('/media/thumb/1'));
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect((await get(media('/media/photo/2'))).headers['content-type']).toBe('image/jpeg');
    for (const path of [
      '/media/photo/3',
      '/media/photo/0',
      '/media/photo/..%2F..%2Fetc%2Fpasswd',
      '/media/file/1',
    ]) {
      expect((await get(media(path))).status).toBe(404);
    }
    expect((await get(`${host.url}/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('answers 404, never the file behind it, for a photo swapped for a link since import', async () => {
    const { api, media } = await hostWithPhotos();
    const { path } = await api.getImage({ imageId: 1 });
    await rm(path);
    await symlink('/etc/passwd', path);
    const answer = await get(media('/media/photo/1'));
    expect(answer).toMatchObject({ status: 404, body: 'the photo changed on disk since import' });
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(await api.getImage({ imageId: 1 })).toMatchObject({ changedOnDisk: true });
  });

  it('carries the contract over a WebSocket that requires the token and the app origin', async () => {
    const { host, token } = await hostWithPhotos();
    const url = host.url.replace('http', 'ws') + '/api';
    await expect(openSocket(url, { origin: host.url })).rejects.toThrow(/401/);
    await expect(openSocket(url, { cookie: `csra_token=${token}`, origin: host.url })).rejects.toThrow(/401/);
    const ws = await openSocket(`${url}?token=${token}`, { origin: host.url });
    expect(await rpc(ws, { id: 1, op: 'listImages', input: { limit: 1 } })).toMatchObject({
      id: 1,
      ok: true,
      result: { total: 2 },
    });
    expect(await rpc(ws, 'not json')).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(await rpc(ws, { id: 2, op: 'listImages', input: { limit: 'all' } })).toMatchObject({
      id: 2,
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(await rpc(ws, { id: 3, op: 'rm -rf', input: {} })).toMatchObject({
      id: 3,
      error: { code: 'unknown_operation' },
    });
    ws.close();
  });
});

describe('the browser host beside other servers of 127.0.0.1', () => {
  it('opens the WebSocket only to a page of its own origin, even with the token', async () => {
    const { host, token } = await hostWithPhotos();
    const port = Number(new URL(host.url).port);
    const url = `${host.url.replace('http', 'ws')}/api?token=${token}`;
    const foreign = [
      `http://127.0.0.1:${port + 1}`,
      `http://localhost:${port}`,
      `https://127.0.0.1:${port}`,
      'http://evil.example',
      'null',
    ];
    for (const origin of foreign) await expect(openSocket(url, { origin }), origin).rejects.toThrow(/401/);
    await expect(openSocket(url, {}), 'no Origin').rejects.toThrow(/401/);
    // The page's own origin, asked for by the other name of this machine.
    const byName = `ws://localhost:${port}/api?token=${token}`;
    await expect(openSocket(byName, { origin: `http://localhost:${port}` })).rejects.toThrow(/401/);
    (await openSocket(url, { origin: host.url })).close();
  });

  it('runs beside a second host, each answering its own token only', async () => {
    const first = await hostWithPhotos();
    const second = await hostWithPhotos();
    expect(first.host.url).not.toBe(second.host.url);
    expect((await get(first.media('/media/thumb/1'))).status).toBe(200);
    expect((await get(second.media('/media/thumb/1'))).status).toBe(200);
    const crossed = `${second.host.url}/media/thumb/1?token=${first.token}`;
    expect((await get(crossed)).status).toBe(401);
  });
});

/** Resolves with the close code once the host closes `ws`. */
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

/** A request line sent as is, which http.request would have encoded or refused. */
function rawGet(url: string, target: string) {
  const { hostname, port } = new URL(url);
  return new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`),
    );
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('the browser host, given a client that breaks the rules', () => {
  async function twoClients() {
    const context = await hostWithPhotos();
    const url = `${context.host.url.replace('http', 'ws')}/api?token=${context.token}`;
    const [bad, good] = await Promise.all([
      openSocket(url, { origin: context.host.url }),
      openSocket(url, { origin: context.host.url }),
    ]);
    return { ...context, url, bad, good };
  }

  it('closes only the socket that sent a frame over the request limit, and serves every other client', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { media, bad, good } = await twoClients();
    const code = closed(bad);
    bad.send('x'.repeat(maxRequestBytes + 1));
    expect(await code).toBe(1009);
    expect(await rpc(good, { id: 1, op: 'getProject', input: {} })).toMatchObject({ id: 1, ok: true });
    expect((await get(media('/media/thumb/1'))).status).toBe(200);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/closed a client connection: .*payload/i));
    warn.mockRestore();
    good.close();
  });

  it('closes only the socket that sent text that is not UTF-8', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { bad, good } = await twoClients();
    const code = closed(bad);
    bad.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await code).toBe(1007);
    expect(await rpc(good, { id: 1, op: 'getProject', input: {} })).toMatchObject({ id: 1, ok: true });
    warn.mockRestore();
    good.close();
  });

  it('carries the largest request the contract accepts, for every operation, in one frame', async () => {
    const { good, bad } = await twoClients();
    bad.close();
    for (const [index, op] of opNames.entries()) {
      const input = largestRequest(op);
      expect(operations[op].input.safeParse(input).success, op).toBe(true);
      expect(JSON.stringify({ id: index, op, input }).length, op).toBeLessThanOrEqual(maxRequestBytes);
      // Only the size is on trial here: every answer must come back typed, over the same socket.
      const answer = op === 'closeProject' ? null : await rpc(good, { id: index, op, input });
      if (answer) expect(answer, op).toMatchObject({ id: index, ok: expect.any(Boolean) });
      if (answer && !answer.ok) expect((answer.error as { code: string }).code, op).not.toBe('internal');
    }
    good.close();
  });

  it('labels 100,000 photo–class pairs in one request, as one undoable action', async () => {
    const { api, good, bad } = await twoClients();
    bad.close();
    const [dog] = await api.addClasses({ names: ['dog'] });
    const changes = Array.from(
      { length: (largestRequest('setLabels') as { changes: unknown[] }).changes.length },
      (_, i) => ({
        imageId: (i % 2) + 1,
        classId: dog!.id,
        state: 'positive',
      }),
    );
    const answer = await rpc(good, { id: 1, op: 'setLabels', input: { changes } });
    expect(answer).toMatchObject({ id: 1, ok: true, result: { changed: 2, imageIds: [1, 2] } });
    expect((await api.undo({}))?.imageIds.sort()).toEqual([1, 2]);
    good.close();
  });

  it('answers 400 to a malformed URL, and sends "localhost" on to 127.0.0.1, its one origin', async () => {
    const { host, token } = await hostWithPhotos();
    for (const target of ['/%', '/media/photo/%E0%A4%A', '//']) {
      expect(await rawGet(host.url, target), target).toMatch(/^HTTP\/1\.1 400/);
    }
    const port = new URL(host.url).port;
    const typed = await get(`${host.url}/?token=${token}`, { host: `localhost:${port}` });
    expect(typed).toMatchObject({ status: 308, headers: { location: `${host.url}/?token=${token}` } });
    for (const name of [`localhost:${Number(port) + 1}`, 'localhost', `127.0.0.2:${port}`, `[::1]:${port}`])
      expect((await get(`${host.url}/`, { host: name })).status, name).toBe(421);
  });
});
