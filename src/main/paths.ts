// Where the app's files are: its own folder, the model packs, and the folders kept beside a project.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The application folder (the one holding our package.json), found from this module's location so
 * the same answer comes from src/ under tests, out/ when built, and app.asar when packaged.
 */
function findAppRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'csra-studio'
    )
      return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error('cannot find the CSRA Studio application folder');
    folder = parent;
  }
}

export const appRoot = findAppRoot();

/**
 * Model packs; CSRA_MODELS_DIR points elsewhere (a test's broken pack, a user's own packs). In a
 * packaged app they are unpacked beside app.asar, since onnxruntime opens model files natively.
 */
export const modelsDir = (): string =>
  process.env.CSRA_MODELS_DIR ??
  join(appRoot.replace(/app\.asar$/, 'app.asar.unpacked'), 'resources', 'models');

/** A file or folder kept beside a project file: `demo.sqlite` → `demo<suffix>`. */
export const besideProject = (projectPath: string, suffix: string): string =>
  projectPath.replace(/\.sqlite$/i, '') + suffix;

/** The folder of a project's trained versions, beside it: `demo.sqlite` → `demo.models`. */
export const versionsFolder = (projectPath: string): string => besideProject(projectPath, '.models');
