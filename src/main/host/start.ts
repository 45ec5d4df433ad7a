// `npm start` without the Electron binary: the browser host on 127.0.0.1, printing the URL to open.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '$shared/rpc';
import { createStudio } from '../api';
import { hostSettingsFile } from '../files/settings';
import { appRoot } from '../paths';
import { startHost } from './server';

const { values } = parseArgs({
  options: { port: { type: 'string', default: process.env.CSRA_PORT ?? '0' }, project: { type: 'string' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`csra-studio: --port must be a port number, got "${values.port}"`);
  process.exit(2);
}

const studio = createStudio({ settingsFile: hostSettingsFile() });
if (values.project) {
  try {
    // Typed in a terminal: relative to where it was typed, not to the home folder.
    await createClient(studio).openProject({ path: resolve(values.project) });
  } catch (error) {
    console.error(`csra-studio: ${(error as Error).message}`);
    process.exit(2);
  }
}
// The built page, whether the host runs from the build or from its sources (tsx, a debugger).
const rendererDir = join(appRoot, 'out', 'renderer');
if (!existsSync(join(rendererDir, 'index.html'))) {
  console.error(`csra-studio: no built page in ${rendererDir}; run \`npm run build\` first`);
  process.exit(2);
}
const host = await startHost({ studio, rendererDir, port });
console.log(`CSRA Studio is running at ${host.openUrl}`);
console.log('Open that address in a browser on this machine. Ctrl+C stops the app.');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stop());
}

async function stop(): Promise<void> {
  await host.close();
  await studio.close();
  process.exit(0);
}
