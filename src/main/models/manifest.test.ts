import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '$shared/rpc';
import { checkSession, loadPack, readManifest, type PackManifest } from './manifest';
import { OnnxGraph } from './onnx-graph';

let root: string;
let model: Uint8Array;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pack-'));
  // A real (tiny) model with the manifest's input and output names.
  const graph = new OnnxGraph('tiny');
  graph.input('image', ['N', 8, 8, 3]);
  for (const name of ['logits', 'class_map', 'features', 'class_map_pooled']) {
    graph.node('Identity', ['image'], {}, { outputNames: [name] });
    graph.output(name, ['N', 8, 8, 3]);
  }
  model = graph.encode();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function manifest(): PackManifest {
  const classes = ['cat', 'dog', 'sofa'];
  return {
    name: 'tiny-pack',
    version: '1.0',
    source: { package: 'test', version: '0.0.0', license: 'MIT', files: ['model.json'] },
    input: {
      name: 'image',
      layout: 'NHWC',
      size: [8, 8],
      channels: 3,
      range: [0, 255],
      resize: 'fill',
      padValue: 0,
    },
    classes,
    augmentation: 'none',
    outputs: {
      logits: { name: 'logits', shape: ['N', 3] },
      classMap: { name: 'class_map', shape: ['N', 3, 2, 2] },
      features: { name: 'features', shape: ['N', 4, 1, 1] },
      overlay: { name: 'class_map_pooled', shape: ['N', 3, 1, 1] },
    },
    readout: { lambda: 0.1, temperatures: [99], calibration: { scale: 1, bias: [0, 0.5, -1] } },
    modelSha256: sha(model),
  };
}

/** A pack folder made on the fly: manifest.json as JSON text or an object, model.onnx bytes. */
async function pack(files: { manifest?: unknown; model?: Uint8Array | null } = {}): Promise<string> {
  const dir = join(root, `pack${++counter}`);
  await mkdir(dir);
  const content = files.manifest === undefined ? manifest() : files.manifest;
  if (content !== null)
    await writeFile(
      join(dir, 'manifest.json'),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
  if (files.model !== null) await writeFile(join(dir, 'model.onnx'), files.model ?? model);
  return dir;
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).code).toBe('bad_input');
  return error as ApiError;
}

describe('loadPack', () => {
  it('loads a pack whose model matches its manifest', async () => {
    const dir = await pack();
    const loaded = await loadPack(dir);
    expect(loaded.manifest).toEqual(manifest());
    expect(loaded.modelPath).toBe(join(dir, 'model.onnx'));
  });

  it('reports a missing folder', async () => {
    const error = await failure(loadPack(join(root, 'nowhere')));
    expect(error.message).toMatch(/nowhere does not exist/);
  });

  it('reports a missing manifest', async () => {
    expect((await failure(loadPack(await pack({ manifest: null })))).message).toMatch(
      /has no manifest\.json/,
    );
  });

  it('reports a manifest that is not JSON', async () => {
    const error = await failure(loadPack(await pack({ manifest: '{"name": "tiny-pack", ' })));
    expect(error.message).toMatch(/manifest\.json is not valid JSON/);
  });

  it('names the missing or invalid field of a manifest', async () => {
    const { classes: _, ...noClasses } = manifest();
    expect((await failure(loadPack(await pack({ manifest: noClasses })))).message).toMatch(/field classes /);
    const badSize = { ...manifest(), input: { ...manifest().input, size: [8, 'wide'] } };
    expect((await failure(loadPack(await pack({ manifest: badSize })))).message).toMatch(
      /field input\.size\.1 /,
    );
    const badOutputs = {
      ...manifest(),
      outputs: { ...manifest().outputs, logits: { name: 'logits', shape: ['N', 80] } },
    };
    expect((await failure(loadPack(await pack({ manifest: badOutputs })))).message).toMatch(
      /field outputs\.logits\.shape .*must end with 3/,
    );
    const badSha = { ...manifest(), modelSha256: 'abc' };
    expect((await failure(loadPack(await pack({ manifest: badSha })))).message).toMatch(/field modelSha256 /);
    const badCalibration = {
      ...manifest(),
      readout: { ...manifest().readout, calibration: { scale: 1, bias: [1] } },
    };
    expect((await failure(loadPack(await pack({ manifest: badCalibration })))).message).toMatch(
      /field readout\.calibration\.bias /,
    );
    expect((await failure(loadPack(await pack({ manifest: [] })))).message).toMatch(/field \(root\)/);
  });

  it('reports a missing model', async () => {
    expect((await failure(loadPack(await pack({ model: null })))).message).toMatch(/has no model\.onnx/);
    // readManifest alone does not need the model.
    expect((await readManifest(await pack({ model: null }))).name).toBe('tiny-pack');
  });

  it('reports a truncated model and a manifest with another model’s hash', async () => {
    const dir = await pack();
    await truncate(join(dir, 'model.onnx'), 20);
    expect((await failure(loadPack(dir))).message).toMatch(/the manifest does not match its model/);
    const wrongSha = { ...manifest(), modelSha256: sha(new Uint8Array([1, 2, 3])) };
    expect((await failure(loadPack(await pack({ manifest: wrongSha })))).message).toMatch(
      /the manifest does not match its model/,
    );
  });
});

describe('checkSession', () => {
  it('accepts a session with the manifest’s names and names what another lacks', async () => {
    const dir = await pack();
    const session = await ort.InferenceSession.create(await readFile(join(dir, 'model.onnx')));
    try {
      checkSession(session, manifest());
      const renamedInput = { ...manifest(), input: { ...manifest().input, name: 'pixels' } };
      expect(() => checkSession(session, renamedInput)).toThrow(/no input named pixels \(it has image\)/);
      const renamedOutput = {
        ...manifest(),
        outputs: { ...manifest().outputs, features: { name: 'embedding', shape: ['N', 4, 1, 1] } },
      };
      expect(() => checkSession(session, renamedOutput)).toThrow(ApiError);
      expect(() => checkSession(session, renamedOutput)).toThrow(/no output named embedding/);
    } finally {
      await session.release();
    }
  });
});
