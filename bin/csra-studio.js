#!/usr/bin/env node
// The CLI runs from the build that `npm ci` makes (the prepare script).
import { existsSync } from 'node:fs';

const cli = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('csra-studio: the app is not built yet; run `npm run build` in its folder');
  process.exit(1);
}
await import(cli.href);
