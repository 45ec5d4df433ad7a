// Starts one of the app's worker threads. From the sources (tests, tsx) the worker is its TypeScript
// file, loaded through tsx; from the build it is the bundle electron-vite writes for it
// (electron.vite.config.ts names each worker as an input).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { appRoot } from './paths';

/**
 * `bundle`: the worker's name in the build (`out/main/<bundle>.js`); `source`: its file under
 * src/main. `callerUrl`: the starting module's import.meta.url, which says whether the app runs
 * from its sources.
 */
export function startWorker(
  bundle: string,
  source: string,
  callerUrl: string,
  options: WorkerOptions,
): Worker {
  const built = join(appRoot, 'out', 'main', `${bundle}.js`);
  const fromSources = callerUrl.endsWith('.ts') || !existsSync(built);
  if (!fromSources) return new Worker(built, options);
  const sourceUrl = pathToFileURL(join(appRoot, 'src', 'main', source)).href;
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(sourceUrl)}); })`,
    { ...options, eval: true },
  );
}
