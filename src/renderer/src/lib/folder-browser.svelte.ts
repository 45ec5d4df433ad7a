// Choosing a path for a field: in the desktop app, the native dialogs; in a browser, which cannot
// see the server's disk, the in-page folder browser over main's folder listing.
import type { FolderListing } from '$shared/contract';
import type { NativeDialogs } from '$shared/dialogs';
import type { Api } from '$shared/rpc';
import { attempt } from './errors';

/**
 * What a field wants: an existing project, a new project's file (for a new project, or for a copy
 * of the open one), a folder of photos, a label file or folder (VOC).
 */
export type PathKind = 'project' | 'new-project' | 'project-copy' | 'folder' | 'labels';

/** Whether `kind` asks for a file that does not exist yet. */
export const isNewProjectKind = (kind: PathKind | null) => kind === 'new-project' || kind === 'project-copy';

export class FolderBrowserStore {
  /** What the open browser is choosing; null while it is closed. */
  kind = $state<PathKind | null>(null);
  /** The folder shown; the previous one stays when another cannot be listed. */
  listing = $state<FolderListing | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);

  readonly #api: Api;
  readonly #native: NativeDialogs | undefined;
  #settle: ((path: string | null) => void) | null = null;

  constructor(api: Api, native?: NativeDialogs) {
    this.#api = api;
    this.#native = native;
  }

  /**
   * Lets the person choose a path of `kind`; resolves with it, or null when they cancel. The
   * browser opens at the folder of `near` (what the field holds) when it can, else at home.
   */
  async choose(kind: PathKind, near = ''): Promise<string | null> {
    if (this.#native) {
      if (kind === 'new-project') return this.#native.newProjectPath('create');
      if (kind === 'project-copy') return this.#native.newProjectPath('save-as');
      return this.#native.openPath(kind);
    }
    this.#settle?.(null);
    const chosen = new Promise<string | null>((resolve) => (this.#settle = resolve));
    this.kind = kind;
    this.listing = null;
    const start = kind === 'folder' ? near.trim() : parentOf(near.trim());
    // A field's folder that is gone is no error of the person's: home, and its error if any, instead.
    if (!(start && (await this.go(start)))) await this.go();
    return chosen;
  }

  /** Shows the folder at `path` (typed paths start at home), or home. */
  go(path?: string): Promise<boolean> {
    return attempt(this, async () => {
      this.listing = await this.#api.listFolder(path === undefined ? {} : { path });
    });
  }

  pick(path: string): void {
    this.#close(path);
  }

  /** The path of a new project named `name` in the folder shown (`.sqlite` added when missing). */
  newProjectPath(name: string): string | null {
    const trimmed = name.trim();
    if (!this.listing || !trimmed) return null;
    return childPath(this.listing.path, /\.sqlite$/i.test(trimmed) ? trimmed : `${trimmed}.sqlite`);
  }

  cancel(): void {
    this.#close(null);
  }

  #close(path: string | null): void {
    const settle = this.#settle;
    this.#settle = null;
    this.kind = null;
    this.error = null;
    settle?.(path);
  }
}

/** The separator of the server's paths: a Windows host's start with a drive. */
const separatorOf = (path: string) => (/^[A-Za-z]:\\/.test(path) ? '\\' : '/');

export function childPath(folder: string, name: string): string {
  const sep = separatorOf(folder);
  return folder.endsWith(sep) ? folder + name : folder + sep + name;
}

/** The folder a path is in; '' for a bare name. */
export function parentOf(path: string): string {
  const sep = separatorOf(path);
  const at = path.replace(/[\\/]+$/, '').lastIndexOf(sep);
  if (at < 0) return '';
  return at === 0 || /^[A-Za-z]:$/.test(path.slice(0, at)) ? path.slice(0, at + 1) : path.slice(0, at);
}
