// `npm start`: the desktop app when the Electron binary is installed, otherwise the browser host,
// which prints its URL (with the per-run token) and opens nothing else.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

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
// Ending `npm start` by npm's process id ends npm and the shell it runs scripts in, and the shell
// passes no signal on: once this launcher is orphaned, the app is ended as SIGTERM would end it.
const parent = process.ppid;
const orphaned = setInterval(() => {
  if (process.ppid === parent) return;
  // Once: a second SIGTERM would cut the host's own shutdown short.
  clearInterval(orphaned);
  child.kill('SIGTERM');
}, 500).unref();
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
