// End to end in Debian's Chromium: the browser host's token and origin, as a person meets them with
// two hosts running and other servers on 127.0.0.1. The printed address hands the tab its token,
// the tab keeps it for itself (sessionStorage is per origin, port included, where a cookie is shared
// by every port), and only a page of the host's own origin may open its WebSocket.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio } from '../../src/main/api';
import { startHost, type Host } from '../../src/main/host/server';
import { createClient, type Api } from '$shared/rpc';
import { loadAllThumbnails, slow, startE2eApp } from '../fixtures/e2e';
import { rendererDir } from '../fixtures/paths';
import { jobEnd } from '../fixtures/wait';
import { copyVocPhotos } from '../fixtures/workspace';

const first = await startE2eApp('host');
const secondDir = await mkdtemp(join(tmpdir(), 'csra-e2e-host-second-'));
const secondStudio = createStudio({ home: secondDir, settingsFile: join(secondDir, 'settings.json') });
const second = {
  api: createClient(secondStudio),
  host: await startHost({ studio: secondStudio, rendererDir }),
};
afterAll(async () => {
  await second.host.close();
  await secondStudio.close();
  await rm(secondDir, { recursive: true, force: true });
});

/** A project named `name` of two VOC photos, open in the studio behind `api`. */
async function projectWithPhotos(api: Api, dir: string, name: string) {
  await api.createProject({ path: join(dir, `${name}.sqlite`) });
  const folder = join(dir, `${name}-photos`);
  await copyVocPhotos(folder, 2);
  const job = await api.startImport({ folder });
  expect((await jobEnd(api, job.id)).status).toBe('done');
}

beforeAll(async () => {
  await projectWithPhotos(first.api, first.dir, 'first');
  await projectWithPhotos(second.api, secondDir, 'second');
}, 120_000);

const tokenOf = (host: Host) => new URL(host.openUrl).searchParams.get('token')!;

/**
 * Opens a WebSocket to `url` from inside `target` and says how it ended: "open", "closed <code>", or
 * "no answer" when the handshake is still unanswered after a minute (a guard, so a hang names itself).
 */
function tryWebSocket(target: Page, url: string): Promise<string> {
  return target.evaluate(`new Promise((resolve) => {
    setTimeout(() => resolve('no answer'), 60000);
    const socket = new WebSocket(${JSON.stringify(url)});
    socket.onopen = () => { socket.close(); resolve('open'); };
    socket.onclose = (event) => resolve('closed ' + event.code);
  })`);
}

/** Waits until `page` shows the project `name` with both photos' thumbnails loaded. */
async function showsProject(page: Page, name: string) {
  await page.getByRole('heading', { level: 1, name }).waitFor(slow);
  await expect.poll(() => page.locator('.grid .tile').count(), slow).toBe(2);
  await loadAllThumbnails(page);
}

/** A server on another port of 127.0.0.1 that records every request it gets, headers and all. */
async function otherLocalServer() {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request);
    response.setHeader('Content-Type', 'text/html; charset=utf-8');
    response.end('<!doctype html><title>another app</title><p>another app</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    /** Everything the browser sent: request lines and headers. */
    received: () => requests.map((request) => `${request.url}\n${request.rawHeaders.join('\n')}`).join('\n'),
    // The browser keeps its connections open (and may open spare ones): a close would wait on them.
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

describe('the browser host, beside a second host and other local servers', () => {
  // One browser profile: the cookie jar (and any other state) all its tabs share.
  const context = first.page.context();

  it('keeps two hosts apart in one browser: a reload of either still shows its project and photos', async () => {
    const [one, two] = [first.page, await context.newPage()];
    await one.goto(first.host.openUrl);
    await showsProject(one, 'first');
    // The token is taken out of the address bar, and kept for the tab.
    expect(one.url()).toBe(`${first.host.url}/`);

    await two.goto(second.host.openUrl);
    await showsProject(two, 'second');

    await one.reload();
    await showsProject(one, 'first');
    await two.reload();
    await showsProject(two, 'second');
    expect(await one.locator('.connection').count()).toBe(0);
  });

  it('hands no other server on 127.0.0.1 the token, and refuses its page the WebSocket', async () => {
    const other = await otherLocalServer();
    try {
      const page = await context.newPage();
      await page.goto(first.host.openUrl);
      await showsProject(page, 'first');
      await page.goto(other.url);
      await page.goto(`${other.url}/later`);
      expect(other.received()).toMatch(/GET|later/);
      for (const host of [first.host, second.host]) expect(other.received()).not.toContain(tokenOf(host));

      // A page of another port, even one that learnt the token, is another origin.
      const api = `${first.host.url.replace('http', 'ws')}/api`;
      expect(await tryWebSocket(page, `${api}?token=${tokenOf(first.host)}`)).toBe('closed 1006');
    } finally {
      await other.close();
    }
  });

  it('shows a tab opened without the printed address how to get in, and gives it no data', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    const response = await page.goto(first.host.url);
    expect(response?.status()).toBe(200);
    expect(await page.getByRole('alert').textContent()).toMatch(/no access token.*printed when it started/s);
    const api = `${first.host.url.replace('http', 'ws')}/api`;
    expect(await tryWebSocket(page, api)).toBe('closed 1006');
    expect(await tryWebSocket(page, `${api}?token=not-the-token`)).toBe('closed 1006');
    for (const path of ['/media/thumb/1', '/media/photo/1', '/?token=not-the-token']) {
      expect((await fetch(`${first.host.url}${path}`)).status, path).toBe(401);
    }
    expect(problems).toEqual([]);
  });

  it("logged no console error and no Content Security Policy violation in the first host's page", async () => {
    expect(await first.problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});
