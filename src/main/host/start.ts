// `npm start` without the Electron binary: the browser host on 127.0.0.1, printing the URL to open.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '$shared/rpc';
import { createStudio } from '../api';
import { hostSettingsFile } from '../files/settings';
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
const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
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
