// Which onnxruntime execution provider runs a model. `auto` tries CUDA (when its libraries are
// installed beside onnxruntime), then WebGPU (when an adapter exists), then the CPU.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ProviderChoice } from '$shared/contract';
import { ApiError } from '$shared/rpc';

export type Provider = Exclude<ProviderChoice, 'auto'>;

const onnxruntimeEntry = () => createRequire(import.meta.url).resolve('onnxruntime-node');

/** Why a provider cannot run here, or null when it may: checked before asking onnxruntime. */
async function unavailableBecause(provider: Provider, model: string): Promise<string | null> {
  if (provider === 'cpu') return null;
  if (provider === 'cuda') {
    const binaries = join(
      dirname(onnxruntimeEntry()),
      '..',
      'bin',
      'napi-v6',
      process.platform,
      process.arch,
    );
    return existsSync(join(binaries, 'libonnxruntime_providers_cuda.so'))
      ? null
      : 'the CUDA libraries of onnxruntime are not installed (npm install --onnxruntime-node-install=cuda12 on a machine with CUDA 12)';
  }
  if (process.platform === 'linux' && !hasVulkanLoader()) return 'no Vulkan loader (libvulkan.so.1)';
  webGpu ??= probeWebGpu(model);
  return webGpu;
}

let vulkan: boolean | undefined;
/** Whether the dynamic linker can find libvulkan.so.1: on LD_LIBRARY_PATH or in its cache. */
function hasVulkanLoader(): boolean {
  if (vulkan === undefined) {
    const folders = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
    try {
      vulkan =
        folders.some((folder) => existsSync(join(folder, 'libvulkan.so.1'))) ||
        execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).includes('libvulkan.so.1');
    } catch {
      vulkan = false;
    }
  }
  return vulkan;
}

let webGpu: Promise<string | null> | undefined;
/**
 * Opens the model on WebGPU in a child process, once per process: where a Vulkan driver exists but
 * is not usable, Dawn and the driver print warnings (with C++ source paths) straight to the
 * process's stderr, which no JavaScript can catch. The child's output is read and dropped; what
 * comes back is why WebGPU cannot run, or null when it can.
 */
function probeWebGpu(model: string): Promise<string | null> {
  const script = `require(process.argv[1]).InferenceSession.create(process.argv[2], { executionProviders: ['webgpu'], logSeverityLevel: 4 }).then(() => process.stdout.write('\\n' + JSON.stringify(null)), (error) => process.stdout.write('\\n' + JSON.stringify(String(error.message))));`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-e', script, onnxruntimeEntry(), model],
      // The Electron binary runs the script as Node does with ELECTRON_RUN_AS_NODE.
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 60_000 },
      (error, stdout) => {
        const answer = stdout.split('\n').at(-1) ?? '';
        try {
          const reason = JSON.parse(answer) as string | null;
          resolve(reason === null ? null : readable(reason));
        } catch {
          resolve(`WebGPU could not be tried (${error?.message.split('\n')[0] ?? 'no answer'})`);
        }
      },
    );
  });
}

/** An onnxruntime error without the source file and check it comes from. */
function readable(message: string): string {
  return message.split('\n')[0]!.replace(/^.* was false\. /, '');
}

/**
 * Photos per batch: what a worker decodes ahead and what a job stores in one transaction. On the
 * CPU onnxruntime runs such a batch a photo at a time (poolShape, inference-pool.ts), so four
 * only keep the next photos decoded; a GPU runs one session per device on whole batches, and
 * needs large ones to be kept busy while the photos are decoded on the CPU.
 * CSRA_INFERENCE_BATCH overrides it (to measure another size).
 */
export function inferenceBatchSize(
  provider: Provider,
  env: Record<string, string | undefined> = process.env,
): number {
  const asked = Number(env.CSRA_INFERENCE_BATCH);
  if (Number.isInteger(asked) && asked >= 1) return asked;
  return provider === 'cpu' ? 4 : 32;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: Provider;
  /** Why each provider tried before it does not run ("webgpu: no Vulkan loader (libvulkan.so.1)"). */
  notUsed: string[];
}

/**
 * Creates the session on the chosen provider. An explicit choice that cannot run fails with the
 * reason; `auto` falls through to the next provider and reports the one that runs.
 */
export async function createSession(
  model: string,
  choice: ProviderChoice,
  { intraOpThreads = null }: { intraOpThreads?: number | null } = {},
): Promise<OpenedSession> {
  const candidates: Provider[] = choice === 'auto' ? ['cuda', 'webgpu', 'cpu'] : [choice];
  const reasons: string[] = [];
  for (const provider of candidates) {
    const blocked = await unavailableBecause(provider, model);
    if (blocked) {
      reasons.push(`${provider}: ${blocked}`);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        // A memory pattern plans one block for all of a run's intermediate tensors, kept by the
        // arena beside what it already holds: a session alone on 4-photo runs peaked 560 MiB above
        // the process with it, 360 MiB without, at the same CPU time a photo.
        enableMemPattern: false,
        // Threads that wait for work without spinning: a spinning thread takes a core from the
        // photos being decoded and from the rest of the app. A session alone with 2 threads on 2
        // busy cores: 245-265 ms of CPU a photo spinning, 157-165 ms not, and 40% less time.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
        ...(intraOpThreads === null ? {} : { intraOpNumThreads: intraOpThreads }),
      });
      return { session, provider, notUsed: reasons };
    } catch (error) {
      reasons.push(`${provider}: ${readable((error as Error).message)}`);
    }
  }
  throw new ApiError(
    'bad_input',
    choice === 'auto'
      ? `no execution provider could run the model (${reasons.join('; ')})`
      : `the ${choice} execution provider is not available here: ${reasons.join('; ').replace(`${choice}: `, '')}`,
  );
}

/** The one line a process logs about its provider: which runs, and why none of the GPU ones does. */
export function providerLine({ provider, notUsed }: OpenedSession): string {
  return provider === 'cpu' && notUsed.length > 0
    ? `onnxruntime runs on the CPU; no GPU: ${notUsed.join('; ')}`
    : `onnxruntime runs on ${provider === 'cpu' ? 'the CPU' : provider === 'cuda' ? 'CUDA' : 'WebGPU'}`;
}
