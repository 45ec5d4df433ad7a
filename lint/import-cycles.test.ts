// No module may depend on itself through others: a cycle makes load order matter, hides which of
// two modules is the lower layer, and is where a layer rule is broken first. Type-only imports
// count too, as they say the same about which module knows which.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { importTarget } from './layers.js';

const root = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|svelte)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The script blocks of a component, or the whole of a TypeScript module. */
function scriptOf(file: string): string {
  const text = readFileSync(join(root, file), 'utf8');
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1]).join('\n');
}

function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const resolve = (path: string) =>
    [path, `${path}.ts`, `${path}/index.ts`].find((candidate) => known.has(candidate));
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(scriptOf(file), true, true);
      const targets = importedFiles.flatMap(({ fileName }) => {
        const target = importTarget(fileName, file);
        const path = target.kind === 'file' ? resolve(target.path) : undefined;
        return path ? [path] : [];
      });
      return [file, targets];
    }),
  );
}

/** Strongly connected components of more than one module (Tarjan), each as a path round it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

it('no module under src imports itself through others', () => {
  const graph = importGraph(sourceFiles('src'));
  expect(graph.size).toBeGreaterThan(100);
  // Aliases and relative paths both resolve to the modules they name.
  expect(graph.get('src/main/cli.ts')).toContain('src/main/api.ts');
  expect(graph.get('src/renderer/src/App.svelte')).toContain('src/renderer/src/lib/api.ts');
  expect(graph.get('src/renderer/src/lib/api.ts')).toContain('src/shared/rpc.ts');
  expect(cycles(graph).map((component) => component.join(' ⇄ '))).toEqual([]);
});

it('the cycle finder finds a cycle, and only the modules on it', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
  ]);
  expect(cycles(graph)).toEqual([['a', 'b', 'c']]);
});
