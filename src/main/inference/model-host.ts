// One pool of inference workers per model version and execution provider, opened on first use and
// shared by every job and project of this process.
import { join } from 'node:path';
import type { ProviderChoice } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { defaultPackDir } from '../models/default-pack';
import { loadPack, readManifest, type PackManifest } from '../models/manifest';
import { modelsDir } from '../paths';
import { loadVersionPack, type ModelSource } from '../models/versions';
import { InferencePool } from './inference-pool';
import { modelShape, openModelRunner, type ModelRunner, type ModelShape } from './model-runner';
import type { Provider } from './providers';

export interface LoadedModel extends ModelShape {
  pool: InferencePool;
  provider: Provider;
  manifest: PackManifest;
}

export function packFolder(name: string): string {
  return join(modelsDir(), name);
}

/** The folder and version of the pack a model version was made from. */
export function packOf(record: ModelSource): { folder: string; name: string; version: string } {
  const at = record.pack.lastIndexOf('@');
  const name = record.pack.slice(0, at);
  return { folder: record.folder ?? packFolder(name), name, version: record.pack.slice(at + 1) };
}

/** The default pack's name, version and classes, without opening its model. */
export async function defaultPackInfo(): Promise<{ name: string; version: string; classes: string[] }> {
  const manifest = await readManifest(defaultPackDir());
  return { name: manifest.name, version: manifest.version, classes: manifest.classes };
}

export class ModelHost {
  private readonly sessions = new Map<string, Promise<LoadedModel>>();
  /** The provider the last model loaded runs on, for the UI and the CLI. */
  lastProvider: Provider | null = null;

  async load(record: ModelSource, choice: ProviderChoice): Promise<LoadedModel> {
    const key = `${record.pack}|${record.folder ?? ''}|${choice}`;
    let loading = this.sessions.get(key);
    if (!loading) {
      loading = open(record, choice);
      this.sessions.set(key, loading);
      // A failed load is not remembered: the next attempt tries again (the pack may be rebuilt).
      loading.catch(() => this.sessions.delete(key));
    }
    const model = await loading;
    this.lastProvider = model.provider;
    return model;
  }

  async close(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const loading of sessions) {
      const model = await loading.catch(() => null);
      await model?.pool.close();
    }
  }
}

let providerReported = false;

/** The pack's model file and manifest, checked to be the version the record names. */
async function packFiles(record: ModelSource): Promise<{ manifest: PackManifest; modelPath: string }> {
  const { folder, version } = packOf(record);
  const { manifest, modelPath } = await (record.folder ? loadVersionPack(folder) : loadPack(folder));
  if (manifest.version !== version) {
    throw new ApiError(
      'conflict',
      `model ${record.pack} needs version ${version} of its pack, but ${folder} holds version ${manifest.version}`,
    );
  }
  return { manifest, modelPath };
}

async function open(record: ModelSource, choice: ProviderChoice): Promise<LoadedModel> {
  const { manifest, modelPath } = await packFiles(record);
  const pool = await InferencePool.open(modelPath, manifest, choice);
  // Once per process, the only line about providers it prints (the probes' own output is dropped).
  if (!providerReported) console.error(pool.providerLine);
  providerReported = true;
  return { ...modelShape(manifest), pool, provider: pool.provider, manifest };
}

/**
 * A session of the model on this thread, outside any pool: for the benchmarks, which time
 * onnxruntime alone against the whole pipeline.
 */
export async function openRunnerHere(
  record: ModelSource,
  choice: ProviderChoice,
): Promise<ModelRunner & { provider: Provider }> {
  const { manifest, modelPath } = await packFiles(record);
  const { runner, opened } = await openModelRunner(modelPath, manifest, choice);
  return { ...runner, provider: opened.provider };
}
