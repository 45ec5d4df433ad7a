// npm test's first step: makes sure the end-to-end tests have a Chromium that starts, before anything
// is built or run. Where test/fixtures/find-browser finds none it gets one: Debian's package where it
// runs as root on Debian (as .ci/run does), else Playwright's download; where that fails too, or the
// one it found does not start, it stops with one line saying what to run, rather than letting every
// end-to-end spec fail on its own. CSRA_CHROMIUM, when set, is taken as it is: nothing is installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { launchChromium } from '../test/fixtures/browser';
import {
  findChromiumHere,
  isExecutableFile,
  noChromiumMessage,
  playwrightInstall,
} from '../test/fixtures/find-browser';

const say = (line: string) => console.log(`ensure-browser: ${line}`);

function stop(line: string): never {
  console.error(`ensure-browser: ${line}`);
  process.exit(1);
}

/** Runs a command with its output captured; undefined when it succeeds, else its last error line. */
function attempt(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status === 0) return undefined;
  const errors = `${result.stdout ?? ''}\n${result.stderr ?? ''}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(E|Error):/.test(line) && !/Download failure|Failed to download/.test(line));
  return errors.at(-1) ?? result.error?.message ?? `exit ${result.status ?? result.signal}`;
}

const debianRoot =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  existsSync('/etc/debian_version') &&
  isExecutableFile('/usr/bin/apt-get');

let found = findChromiumHere();
if (!found.ok && process.env.CSRA_CHROMIUM) stop(found.message);
const failures: string[] = [];
if (!found.ok && debianRoot) {
  say("no Chromium found: installing Debian's (apt-get install -y chromium)");
  const failure = attempt(
    'sh',
    ['-c', 'apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium'],
    { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  );
  if (failure) failures.push(`apt-get: ${failure}`);
  found = findChromiumHere();
}
if (!found.ok) {
  say(`no Chromium found: downloading Playwright's (${playwrightInstall})`);
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve('playwright-core/package.json')), 'cli.js');
  const failure = attempt(process.execPath, [cli, 'install', '--no-shell', 'chromium']);
  if (failure) failures.push(`download: ${failure}`);
  found = findChromiumHere();
}
if (!found.ok) stop(noChromiumMessage(process.platform, failures.join('; ') || undefined));

try {
  const browser = await launchChromium({ executablePath: found.path, timeout: 60_000 });
  await browser.close();
} catch (error) {
  const reason = (error instanceof Error ? error.message : String(error))
    .split('\n')
    .map((line) => line.replace(/^browserType\.launch:\s*/, '').trim())
    .find((line) => /[a-z]/i.test(line));
  stop(
    `${found.path} (from ${found.source}) does not start: ${reason ?? 'no reason given'}; ` +
      'set CSRA_CHROMIUM to another Chromium, or on Linux run "npx playwright-core install-deps chromium" as root',
  );
}
say(`${found.path} (from ${found.source})`);
