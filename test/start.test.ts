// `npm start` as a user runs it, ended as a service manager or a script ends it: by npm's process id.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { electronBinary } from '../scripts/electron-binary.js';
import { repoRoot } from './fixtures/paths';
import { until } from './fixtures/wait';

/** Every process below `root`, read from /proc. */
async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
    // The command name may hold spaces and parentheses: the fields after its last ')' are fixed.
    const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN;
    if (Number.isInteger(ppid)) parents.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function answers(url: string): Promise<boolean> {
  return fetch(url).then(
    () => true,
    () => false,
  );
}

// The browser host is what npm start runs without the Electron binary; the desktop window is
// test/electron's.
describe.skipIf(process.platform !== 'linux' || electronBinary() !== null)('npm start', () => {
  it('ends the browser host when npm is ended by its process id', async () => {
    const npm = spawn('npm', ['start', '--', '--port', '0'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let below: number[] = [];
    try {
      await until(async () => /running at (http\S+)/.test(output), 120_000);
      const url = /running at (http\S+)/.exec(output)![1]!;
      below = await descendants(npm.pid!);
      // npm, the shell npm runs scripts in, the launcher, the host.
      expect(below.length).toBeGreaterThanOrEqual(2);
      expect(await answers(url)).toBe(true);

      process.kill(npm.pid!, 'SIGTERM');

      await until(async () => !(await answers(url)), 60_000);
      await until(async () => below.every((pid) => !alive(pid)), 60_000);
    } finally {
      for (const pid of below.filter(alive)) process.kill(pid, 'SIGKILL');
      if (alive(npm.pid!)) npm.kill('SIGKILL');
    }
  }, 180_000);
});
