import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// electron-vite derives its Node/Chrome targets from the installed electron package. Electron is an
// optional dependency (its binary download fails offline), so name the pinned major version here
// and let the build work without it.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
process.env.ELECTRON_MAJOR_VER ??= String(pkg.optionalDependencies.electron).split('.')[0];

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        // The same Node code runs as the Electron main process, the browser host and the CLI.
        input: {
          electron: resolve('src/main/electron/main.ts'),
          host: resolve('src/main/host/start.ts'),
          cli: resolve('src/main/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // Sandboxed preloads cannot load ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    plugins: [svelte()],
  },
});
