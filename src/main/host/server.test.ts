import { rm, symlink } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { maxRequestBytes, operations } from '../../shared/contract';
import { opNames } from '../../shared/rpc';
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
  const cookie = `csra_token=${token}`;
  return { api, host, token, cookie };
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
      const reply = JSON.parse(data.toString());
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

  it('answers 401 to any request without the token, and trades the token for a strict cookie', async () => {
    const { host, cookie } = await hostWithPhotos();
    for (const path of ['/', '/index.html', '/media/thumb/1', '/media/photo/1']) {
      expect((await get(`${host.url}${path}`)).status).toBe(401);
      expect((await get(`${host.url}${path}?token=wrong`)).status).toBe(401);
    }
    const handoff = await get(host.openUrl);
    expect(handoff.status).toBe(303);
    expect(handoff.headers['set-cookie']).toEqual([`${cookie}; Path=/; HttpOnly; SameSite=Strict`]);
    const page = await get(`${host.url}/`, { cookie });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.body).toContain('<div id="app">');
  });

  it('refuses a request for another host name (DNS rebinding)', async () => {
    const { host, cookie } = await hostWithPhotos();
    const port = new URL(host.url).port;
    expect((await get(`${host.url}/`, { cookie, host: `evil.example:${port}` })).status).toBe(421);
  });

  it('serves photo and thumbnail bytes only for photos of the open project, by id', async () => {
    const { host, cookie } = await hostWithPhotos();
    const thumb = await get(`${host.url}/media/thumb/1`, { cookie });
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect((await get(`${host.url}/media/photo/2`, { cookie })).headers['content-type']).toBe('image/jpeg');
    for (const path of [
      '/media/photo/3',
      '/media/photo/0',
      '/media/photo/..%2F..%2Fetc%2Fpasswd',
      '/media/file/1',
    ]) {
      expect((await get(`${host.url}${path}`, { cookie })).status).toBe(404);
    }
    expect((await get(`${host.url}/..%2F..%2Fpackage.json`, { cookie })).status).toBe(404);
  });

  it('answers 404, never the file behind it, for a photo swapped for a link since import', async () => {
    const { api, host, cookie } = await hostWithPhotos();
    const { path } = await api.getImage({ imageId: 1 });
    await rm(path);
    await symlink('/etc/passwd', path);
    const answer = await get(`${host.url}/media/photo/1`, { cookie });
    expect(answer).toMatchObject({ status: 404, body: 'the photo changed on disk since import' });
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(await api.getImage({ imageId: 1 })).toMatchObject({ changedOnDisk: true });
  });

  it('carries the contract over a WebSocket that requires the token and the app origin', async () => {
    const { host, cookie, token } = await hostWithPhotos();
    const url = host.url.replace('http', 'ws') + '/api';
    await expect(openSocket(url, { origin: host.url })).rejects.toThrow(/401/);
    await expect(openSocket(url, { cookie, origin: 'http://evil.example' })).rejects.toThrow(/401/);
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

/** Resolves with the close code once the host closes `ws`. */
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

/** A request line sent as is, which http.request would have encoded or refused. */
function rawGet(url: string, target: string, cookie: string) {
  const { hostname, port } = new URL(url);
  return new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`,
      ),
    );
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
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
    const { host, cookie, bad, good } = await twoClients();
    const code = closed(bad);
    bad.send('x'.repeat(maxRequestBytes + 1));
    expect(await code).toBe(1009);
    expect(await rpc(good, { id: 1, op: 'getProject', input: {} })).toMatchObject({ id: 1, ok: true });
    expect((await get(`${host.url}/`, { cookie })).status).toBe(200);
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

  it('answers 400 to a malformed URL, and takes "localhost" as well as 127.0.0.1', async () => {
    const { host, cookie } = await hostWithPhotos();
    for (const target of ['/%', '/media/photo/%E0%A4%A', '//']) {
      expect(await rawGet(host.url, target, cookie), target).toMatch(/^HTTP\/1\.1 400/);
    }
    const port = new URL(host.url).port;
    expect((await get(`${host.url}/`, { cookie, host: `localhost:${port}` })).status).toBe(200);
    for (const name of [`localhost:${Number(port) + 1}`, 'localhost', `127.0.0.2:${port}`, `[::1]:${port}`])
      expect((await get(`${host.url}/`, { cookie, host: name })).status, name).toBe(421);
  });
});
