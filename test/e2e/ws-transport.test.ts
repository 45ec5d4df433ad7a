// The renderer's WebSocket transport against the real browser host, over a real socket (the `ws`
// package stands in for the browser's WebSocket, with the token and Origin a browser would send).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { createStudio, type Studio } from '../../src/main/api';
import { startHost, type Host } from '../../src/main/host/server';
import { ApiError, createClient, type ApiEvent } from '$shared/rpc';
import {
  createWebSocketTransport,
  type ConnectionStatus,
  type SocketLike,
  type WebSocketTransport,
} from '../../src/renderer/src/lib/ws-transport';
import { rendererDir } from '../fixtures/paths';

let dir: string;
let studio: Studio;
let host: Host;
let transport: WebSocketTransport;

/** A socket to the current host as its page would open one: same origin, the host's token. */
function connect(): SocketLike {
  const token = new URL(host.openUrl).searchParams.get('token')!;
  return new WebSocket(`${host.url.replace('http:', 'ws:')}/api?token=${token}`, {
    origin: host.url,
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csra-ws-'));
  studio = createStudio();
  host = await startHost({ studio, rendererDir });
  transport = createWebSocketTransport({ url: 'unused: connect() builds it', connect, initialDelayMs: 20 });
});

afterEach(async () => {
  transport.close();
  await host.close();
  await studio.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the WebSocket transport', () => {
  it('carries calls to the host and their answers back, in any order', async () => {
    const api = createClient(transport);
    const path = join(dir, 'project.sqlite');

    const [before, created] = await Promise.all([api.getProject({}), api.createProject({ path })]);
    expect(before === null || before.path === path).toBe(true);
    expect(created).toMatchObject({ path, name: 'project', imageCount: 0 });
    expect(await api.getProject({})).toMatchObject({ path });
    expect(transport.status).toEqual({ state: 'open', failures: 0 });
  });

  it("turns the host's failures into ApiErrors with their code", async () => {
    const failure = await createClient(transport)
      .listImages({})
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({
      code: 'no_project',
      message: 'no project is open; create or open one first',
    });
  });

  it('delivers the events the host pushes to every subscriber', async () => {
    const api = createClient(transport);
    const seen: ApiEvent[] = [];
    api.onEvent((event) => seen.push(event));
    // Subscribing opens the socket; the host sends events from then on.
    await vi.waitFor(() => expect(transport.status.state).toBe('open'));
    const path = join(dir, 'project.sqlite');

    // Another client of the same studio opens a project: this one hears of it.
    await createClient(studio).createProject({ path });
    await vi.waitFor(() =>
      expect(seen).toEqual([{ type: 'project', project: expect.objectContaining({ path }) }]),
    );
  });

  it('fails a call in flight with a clear ApiError when the connection drops', async () => {
    const api = createClient(transport);
    await api.getProject({});

    const inFlight = api.getProject({}).catch((error: unknown) => error);
    await host.close();
    const failure = await inFlight;
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({
      code: 'io_error',
      message: 'getProject: the connection to CSRA Studio was lost before it answered; try again',
    });
  });

  it('fails calls at once while the host cannot be reached, and says so', async () => {
    await host.close();
    const failure = await createClient(transport)
      .getProject({})
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 'io_error',
      message: expect.stringMatching(/cannot connect to CSRA Studio/),
    });
    await vi.waitFor(() => expect(transport.status.failures).toBeGreaterThanOrEqual(2));
    expect(transport.status.state).toBe('reconnecting');
  });

  it('reconnects with backoff when the host comes back, and reports each state', async () => {
    const api = createClient(transport);
    api.onEvent(() => {});
    await api.getProject({});
    const states: ConnectionStatus['state'][] = [];
    transport.onStatus((status) => states.push(status.state));
    const { port } = new URL(host.url);

    await host.close();
    await vi.waitFor(() => expect(transport.status.failures).toBeGreaterThanOrEqual(1));
    host = await startHost({ studio, rendererDir, port: Number(port) });
    await vi.waitFor(() => expect(transport.status).toEqual({ state: 'open', failures: 0 }), {
      timeout: 10_000,
    });

    expect(await api.getProject({})).toBeNull();
    expect(states[0]).toBe('open');
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('open');
  });

  it('fails calls, rather than throwing, when a socket cannot even be made', async () => {
    const broken = createWebSocketTransport({
      url: 'ws://[not a host/api',
      connect: (url) => new WebSocket(url),
      initialDelayMs: 1000,
    });
    try {
      const failure = await createClient(broken)
        .getProject({})
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ApiError);
      expect(failure).toMatchObject({
        code: 'io_error',
        message: expect.stringMatching(/^getProject: cannot connect/),
      });
      expect(broken.status).toEqual({ state: 'reconnecting', failures: 1 });
    } finally {
      broken.close();
    }
  });

  it('stops for good when closed: calls fail and nothing reconnects', async () => {
    const api = createClient(transport);
    await api.getProject({});
    transport.close();
    await vi.waitFor(() => expect(transport.status.state).toBe('closed'));

    const failure = await api.getProject({}).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 'io_error',
      message: 'getProject: the connection to CSRA Studio is closed',
    });
  });
});
