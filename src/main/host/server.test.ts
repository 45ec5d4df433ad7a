import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
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
