// `npm start`: the desktop app when the Electron binary is installed, otherwise the browser host,
// which prints its URL (with the per-run token) and opens nothing else.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

function electronBinary() {
  try {
    const folder = fileURLToPath(new URL('.', createRequire(import.meta.url).resolve('electron')));
    const binary = `${folder}dist/${readFileSync(`${folder}path.txt`, 'utf8').trim()}`;
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

if (!existsSync(`${root}out/main/host.js`)) {
  console.error('csra-studio: the app is not built yet; run `npm run build` first');
  process.exit(1);
}
const electron = electronBinary();
const [command, commandArgs] = electron
  ? [electron, [root, ...args]]
  : [process.execPath, [`${root}out/main/host.js`, ...args]];
if (!electron)
  console.log('Electron binary not installed (see README, "Desktop app"): starting the browser host.');
const child = spawn(command, commandArgs, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
