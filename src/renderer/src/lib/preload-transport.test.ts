// Electron's transport, driven through a bridge shaped exactly as src/preload/index.ts builds
// window.api (one function per operation returning main's envelope, plus onEvent), here carried
// by direct calls into a real studio instead of IPC.
import { describe, expect, it } from 'vitest';
import { ApiError, createClient, opNames, type ApiEvent, type Envelope } from '$shared/rpc';
import { eachTestStudio, makePhotoFolder, type TestStudio } from '../../../../test/fixtures/renderer-studio';
import { createPreloadTransport, type PreloadBridge } from './preload-transport';

let studio: TestStudio;

eachTestStudio((created) => {
  studio = created;
});

function bridgeTo(studio: TestStudio): PreloadBridge {
  const bridge: Record<string, unknown> = Object.fromEntries(
    opNames.map((op) => [op, (input: unknown): Promise<Envelope> => studio.transport.call(op, input)]),
  );
  bridge.onEvent = (listener: (event: ApiEvent) => void) => studio.transport.subscribe(listener);
  return bridge as PreloadBridge;
}

describe('the Electron transport', () => {
  it('carries every call to main and its answer back', async () => {
    const api = createClient(createPreloadTransport(bridgeTo(studio)));
    const photos = await makePhotoFolder(studio.dir, { count: 2 });

    expect(await api.getProject({})).toBeNull();
    await api.createProject({ path: studio.projectPath });
    const job = await api.startImport({ folder: photos.folder });
    expect(job).toMatchObject({ kind: 'import', status: 'running' });
  });

  it("delivers main's events to subscribers until they unsubscribe", async () => {
    const api = createClient(createPreloadTransport(bridgeTo(studio)));
    const events: ApiEvent[] = [];
    const stop = api.onEvent((event) => events.push(event));

    await api.createProject({ path: studio.projectPath });
    stop();
    await api.closeProject({});
    expect(events).toEqual([{ type: 'project', project: expect.objectContaining({ name: 'project' }) }]);
  });

  it("turns main's failures into ApiErrors with their code", async () => {
    const api = createClient(createPreloadTransport(bridgeTo(studio)));
    const failure = await api.listImages({}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({
      code: 'no_project',
      message: 'no project is open; create or open one first',
    });
  });

  it('fails a call, rather than throwing, when IPC itself breaks', async () => {
    const bridge = bridgeTo(studio);
    bridge.getProject = () => Promise.reject(new Error('Error invoking remote method: the channel closed'));
    const failure = await createClient(createPreloadTransport(bridge))
      .getProject({})
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 'io_error',
      message: 'getProject: Error invoking remote method: the channel closed',
    });
  });
});
