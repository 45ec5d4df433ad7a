// The open project: create, open, save as and close it, and keep its counts fresh as imports finish.
import type { ProjectInfo } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { attempt, messageOf } from './errors';

export class ProjectStore {
  /** The open project, or null when none is. */
  current = $state<ProjectInfo | null>(null);
  /** True once the first `load()` has answered. */
  loaded = $state(false);
  /** A create, open or close request is in flight. */
  busy = $state(false);
  /** Why the last request failed, as a sentence; cleared by the next request. */
  error = $state<string | null>(null);

  readonly #api: Api;
  readonly #unsubscribe: () => void;

  constructor(api: Api) {
    this.#api = api;
    this.#unsubscribe = api.onEvent((event) => {
      if (event.type === 'project') this.current = event.project;
      // Imports change the photo and class counts; the class list changes the class count.
      else if (event.type === 'classes') void this.refresh();
      else if (event.type === 'job' && event.job.status !== 'running') void this.refresh();
    });
  }

  /** Asks main which project is open (another window or the CLI may have opened one). */
  async load(): Promise<void> {
    try {
      this.current = await this.#api.getProject({});
      this.error = null;
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      this.loaded = true;
    }
  }

  /** Re-reads the open project's counts; failures are left for the next user action to report. */
  async refresh(): Promise<void> {
    try {
      this.current = await this.#api.getProject({});
    } catch {
      // The connection may be down; the connection banner says so.
    }
  }

  create(path: string): Promise<boolean> {
    return this.#run(path, (input) => this.#api.createProject(input));
  }

  open(path: string): Promise<boolean> {
    return this.#run(path, (input) => this.#api.openProject(input));
  }

  /** Copies the open project with its folders to `path` and goes on in the copy. */
  saveAs(path: string): Promise<boolean> {
    return this.#run(path, (input) => this.#api.saveProjectAs(input));
  }

  async close(): Promise<void> {
    await attempt(this, async () => {
      await this.#api.closeProject({});
      this.current = null;
    });
  }

  dispose(): void {
    this.#unsubscribe();
  }

  async #run(path: string, request: (input: { path: string }) => Promise<ProjectInfo>): Promise<boolean> {
    const trimmed = path.trim();
    if (!trimmed) {
      this.error = 'Enter the path of a project file, for example /home/me/photos.sqlite.';
      return false;
    }
    return attempt(this, async () => {
      this.current = await request({ path: trimmed });
    });
  }
}
