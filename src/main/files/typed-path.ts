// A path a person typed, made absolute as they mean it.
import { join, resolve } from 'node:path';

/**
 * The absolute path a person typed. A relative path starts at the home folder, as `~/` does: the
 * server's working folder means nothing to someone in a browser or a desktop window.
 */
export function typedPath(home: string, path: string): string {
  const expanded = path === '~' ? home : /^~[/\\]/.test(path) ? join(home, path.slice(2)) : path;
  return resolve(home, expanded);
}
