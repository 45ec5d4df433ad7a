// The projects opened lately, as main keeps them in the user's settings file; read again whenever
// a project is opened or closed (by this window or another client).
import type { RecentProject } from '$shared/contract';
import type { Api } from '$shared/rpc';
import { attempt } from './errors';

export class RecentProjectsStore {
  items = $state<RecentProject[]>([]);
  busy = $state(false);
  error = $state<string | null>(null);

  readonly #api: Api;
  readonly #unsubscribe: () => void;

  constructor(api: Api) {
    this.#api = api;
    this.#unsubscribe = api.onEvent((event) => {
      if (event.type === 'project') void this.load();
    });
  }

  load(): Promise<boolean> {
    return attempt(this, async () => {
      this.items = await this.#api.listRecentProjects({});
    });
  }

  /** Drops a project from the list (one that is gone, say); the file itself is not touched. */
  forget(path: string): Promise<boolean> {
    return attempt(this, async () => {
      this.items = await this.#api.forgetRecentProject({ path });
    });
  }

  dispose(): void {
    this.#unsubscribe();
  }
}
