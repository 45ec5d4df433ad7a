// The provider probe as a user meets it: `csra-studio predict` on a machine whose Vulkan loader
// exists but cannot be used (here a libvulkan.so.1 that is not a library). Dawn prints a warning
// with a C++ source path when it fails to load Vulkan; the probe keeps that out of the output and
// the command says in one line which provider runs and why no GPU does.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { repoRoot } from './fixtures/paths';
import { copyVocPhotoFiles, tempDir, vocPhotoNames } from './fixtures/workspace';

it.skipIf(process.platform !== 'linux')(
  'probes WebGPU quietly and reports the provider in one line',
  async () => {
    const dir = await tempDir();
    const loader = join(dir, 'vulkan');
    await mkdir(loader);
    await writeFile(join(loader, 'libvulkan.so.1'), '');
    const photos = join(dir, 'photos');
    await copyVocPhotoFiles(photos, await vocPhotoNames(2));

    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'bin', 'csra-studio.js'), 'predict', photos],
      { env: { ...process.env, LD_LIBRARY_PATH: loader } },
    );
    expect(stdout.trim().split('\n')).toHaveLength(3);
    expect(stderr).not.toMatch(/Vulkan|XDG_RUNTIME_DIR|\.cpp|\.cc:/);
    const lines = stderr.split('\n').filter((line) => line.startsWith('onnxruntime runs on'));
    expect(lines).toEqual([expect.stringMatching(/^onnxruntime runs on the CPU; no GPU: .*webgpu: \S/)]);
  },
  180_000,
);
