import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { aliases } from './build/aliases';

export default defineConfig({
  main: {
    resolve: { alias: aliases },
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        // The same Node code runs as the Electron main process, the browser host and the CLI.
        input: {
          electron: resolve('src/main/electron/main.ts'),
          host: resolve('src/main/host/start.ts'),
          cli: resolve('src/main/cli.ts'),
          // Training runs in a worker thread (src/main/training/worker-client.ts starts it).
          'train-worker': resolve('src/main/training/train-worker.ts'),
          // Inference runs in a pool of worker threads (src/main/inference/inference-pool.ts).
          'inference-worker': resolve('src/main/inference/inference-worker.ts'),
          // Label files are parsed in a worker thread (src/main/exchange/label-worker-client.ts).
          'label-worker': resolve('src/main/exchange/label-worker.ts'),
        },
      },
    },
  },
  preload: {
    resolve: { alias: aliases },
    build: {
      // A sandboxed preload can require only 'electron': bundle everything else into it.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // Sandboxed preloads cannot load ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    resolve: { alias: aliases },
    plugins: [svelte()],
  },
});
