// @ts-check
// The architecture's import rules as one ESLint rule, so a layer broken is a build error rather than
// a review comment (VS Code does the same with its own layering rule). Each import is resolved to
// a file under the repository, a Node built-in or a package, and checked against the layer of the
// file that imports it. ARCHITECTURE.md explains the layers; the table below is their source of truth.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/**
 * Import aliases, as build/aliases.ts and the tsconfig paths define them.
 * @type {[alias: string, dir: string][]}
 */
const aliases = [
  ['$shared/', 'src/shared/'],
  ['$lib/', 'src/renderer/src/lib/'],
];

/** How files are read and written safely: below every other module of main, the storage included. */
const fileUtilities = ['src/main/files/fs-errors', 'src/main/files/regular-file', 'src/main/files/partial'];

/**
 * One rule per layer. `layer` matches the importing file (a path relative to the repository);
 * `forbids` returns why an import is not allowed, or null. `tests: false` leaves specs out, which
 * may reach across layers to drive the real app (they import test/fixtures).
 * @type {{ layer: (file: string) => boolean, tests?: boolean, forbids: (target: Target) => string | null }[]}
 */
export const layerRules = [
  {
    layer: (file) => file.startsWith('src/shared/'),
    forbids: (target) =>
      target.kind === 'builtin'
        ? 'src/shared runs in the renderer too: it may not import a Node module'
        : target.kind === 'file' && !target.path.startsWith('src/shared/')
          ? 'src/shared is imported by every runtime: it may import only src/shared'
          : null,
  },
  {
    layer: (file) => file.startsWith('src/renderer/'),
    forbids: (target) =>
      target.kind === 'builtin'
        ? 'the renderer is a sandboxed web page: it may not import a Node module'
        : target.kind === 'file' &&
            !target.path.startsWith('src/renderer/') &&
            !target.path.startsWith('src/shared/') &&
            !target.path.startsWith('test/fixtures/')
          ? 'the renderer may import only src/renderer and src/shared ($lib, $shared)'
          : null,
  },
  {
    // The stores' specs drive a real host through test/fixtures; the page itself never may.
    layer: (file) => file.startsWith('src/renderer/'),
    tests: false,
    forbids: (target) =>
      target.kind === 'file' && target.path.startsWith('test/')
        ? 'only specs may import test fixtures: the renderer is a web page'
        : null,
  },
  {
    layer: (file) => file.startsWith('src/preload/'),
    forbids: (target) =>
      target.kind === 'builtin'
        ? 'a sandboxed preload can require only electron: it may not import a Node module'
        : target.kind === 'file' &&
            !target.path.startsWith('src/preload/') &&
            !target.path.startsWith('src/shared/')
          ? 'the preload may import only src/preload and src/shared'
          : null,
  },
  {
    layer: (file) => file.startsWith('src/main/db/'),
    tests: false,
    forbids: (target) =>
      target.kind === 'file' &&
      !['src/main/db/', 'src/shared/', ...fileUtilities].some((dir) => target.path.startsWith(dir))
        ? 'src/main/db is the storage layer: it may import only db/, src/shared and the file utilities, no service'
        : null,
  },
  {
    layer: (file) => fileUtilities.some((module) => file.startsWith(module)),
    tests: false,
    forbids: (target) =>
      target.kind === 'file' && !['src/shared/', ...fileUtilities].some((dir) => target.path.startsWith(dir))
        ? 'the file utilities lie below the storage layer: they may import only each other and src/shared'
        : null,
  },
  {
    layer: (file) =>
      file.startsWith('src/main/') &&
      !file.startsWith('src/main/host/') &&
      !file.startsWith('src/main/electron/') &&
      file !== 'src/main/cli.ts' &&
      !file.startsWith('src/main/cli/'),
    forbids: (target) =>
      target.kind === 'file' &&
      (target.path.startsWith('src/main/host/') || target.path.startsWith('src/main/electron/'))
        ? 'services serve every transport: they may not import host/ or electron/'
        : null,
  },
  {
    layer: (file) => file.startsWith('src/main/'),
    forbids: (target) =>
      target.kind === 'file' &&
      (target.path.startsWith('src/renderer/') || target.path.startsWith('src/preload/'))
        ? 'the main process may not import the renderer or the preload'
        : null,
  },
  {
    layer: (file) => !file.startsWith('src/main/electron/') && !file.startsWith('src/preload/'),
    forbids: (target) =>
      target.kind === 'package' && target.name === 'electron'
        ? 'only src/main/electron and src/preload may import electron: everything else runs without it'
        : null,
  },
];

/**
 * @typedef {{ kind: 'file', path: string } | { kind: 'builtin', name: string } | { kind: 'package', name: string }} Target
 */

/**
 * What an import specifier names, seen from the file (relative to the repository) that imports it.
 * @param {string} specifier
 * @param {string} file
 * @returns {Target}
 */
export function importTarget(specifier, file) {
  for (const [alias, dir] of aliases) {
    if (specifier.startsWith(alias)) return { kind: 'file', path: dir + specifier.slice(alias.length) };
  }
  if (specifier.startsWith('.')) {
    return {
      kind: 'file',
      path: relative(root, resolve(root, dirname(file), specifier))
        .split('\\')
        .join('/'),
    };
  }
  const [first = '', second = ''] = specifier.split('/');
  if (specifier.startsWith('node:') || builtinModules.includes(first)) {
    return { kind: 'builtin', name: specifier };
  }
  return { kind: 'package', name: first.startsWith('@') ? `${first}/${second}` : first };
}

/**
 * Why `file` may not import `specifier`, or null where it may.
 * @param {string} specifier
 * @param {string} file
 * @returns {string | null}
 */
export function layerViolation(specifier, file) {
  const target = importTarget(specifier, file);
  const isTest = /\.test\.ts$/.test(file);
  for (const rule of layerRules) {
    if (!rule.layer(file) || (isTest && rule.tests === false)) continue;
    const reason = rule.forbids(target);
    if (reason) return reason;
  }
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
const importsRule = {
  meta: {
    type: 'problem',
    docs: { description: "Keeps each import within its layer's rules (ARCHITECTURE.md)" },
    messages: { layer: '{{specifier}}: {{reason}}' },
    schema: [],
  },
  create(context) {
    const file = relative(root, context.filename).split('\\').join('/');
    /** @param {import('estree').Node | null | undefined} source */
    function check(source) {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
      const reason = layerViolation(source.value, file);
      if (reason)
        context.report({ node: source, messageId: 'layer', data: { specifier: source.value, reason } });
    }
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};

export default { rules: { imports: importsRule } };
