// npm run models: converts the default model pack (resources/models/coco80-centernet) from the
// weights in node_modules. `--if-needed` (the install's prepare step) leaves an up-to-date pack as
// it is.
import { relative } from 'node:path';
import { buildDefaultPack, defaultPackDir, ensureDefaultPack } from '../src/main/models/default-pack';

const dir = defaultPackDir();
const started = performance.now();
try {
  const { built, manifest } = process.argv.includes('--if-needed')
    ? await ensureDefaultPack(dir)
    : { built: true, manifest: await buildDefaultPack(dir) };
  const where = relative(process.cwd(), dir) || dir;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(
    built
      ? `model pack ${manifest.name}@${manifest.version} written to ${where} (${seconds} s)`
      : `model pack ${manifest.name}@${manifest.version} in ${where} is up to date`,
  );
} catch (error) {
  console.error(`cannot build the model pack: ${(error as Error).message}`);
  process.exit(1);
}
