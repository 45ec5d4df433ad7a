// Which onnxruntime execution provider runs a model. `auto` tries CUDA (when its libraries are
// installed beside onnxruntime), then WebGPU (when an adapter exists), then the CPU.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ProviderChoice } from '../../shared/contract';
import { ApiError } from '../../shared/rpc';

export type Provider = Exclude<ProviderChoice, 'auto'>;

/** Why a provider cannot run here, or null when it may: checked before asking onnxruntime. */
function unavailableBecause(provider: Provider): string | null {
  if (provider === 'cpu') return null;
  if (provider === 'cuda') {
    const binaries = join(
      dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
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
  if (process.platform === 'linux' && !hasVulkanLoader())
    return 'no Vulkan loader (libvulkan.so.1) for WebGPU';
  return null;
}

let vulkan: boolean | undefined;
function hasVulkanLoader(): boolean {
  if (vulkan === undefined) {
    try {
      vulkan = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).includes('libvulkan.so.1');
    } catch {
      vulkan = false;
    }
  }
  return vulkan;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: Provider;
}

/**
 * Creates the session on the chosen provider. An explicit choice that cannot run fails with the
 * reason; `auto` falls through to the next provider and reports the one that runs.
 */
export async function createSession(
  model: string | Uint8Array,
  choice: ProviderChoice,
): Promise<OpenedSession> {
  const candidates: Provider[] = choice === 'auto' ? ['cuda', 'webgpu', 'cpu'] : [choice];
  const reasons: string[] = [];
  for (const provider of candidates) {
    const blocked = unavailableBecause(provider);
    if (blocked) {
      reasons.push(`${provider}: ${blocked}`);
      continue;
    }
    try {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      };
      const session =
        typeof model === 'string'
          ? await ort.InferenceSession.create(model, options)
          : await ort.InferenceSession.create(model, options);
      return { session, provider };
    } catch (error) {
      reasons.push(`${provider}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new ApiError(
    'bad_input',
    choice === 'auto'
      ? `no execution provider could run the model (${reasons.join('; ')})`
      : `the ${choice} execution provider is not available here: ${reasons.join('; ').replace(`${choice}: `, '')}`,
  );
}
