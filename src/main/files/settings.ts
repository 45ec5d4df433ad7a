// The per-user settings file: for now, the projects opened lately. Small JSON, rewritten whole
// through a temporary file and a rename, so a crash mid-write leaves the previous file.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { RecentProject } from '$shared/contract';
import { writeFileWhole } from './partial';

/** How many recent projects are kept. */
export const recentLimit = 10;

const Stored = z.object({
  recentProjects: z.array(z.object({ path: z.string(), openedAt: z.string() })).default([]),
});
type Stored = z.infer<typeof Stored>;

export class UserSettings {
  /** Writes one after another, each over what the one before it left. */
  #writing: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  async recentProjects(): Promise<RecentProject[]> {
    await this.#writing;
    return (await this.#read()).recentProjects.map(({ path, openedAt }) => ({
      path,
      name: basename(path).replace(/\.sqlite$/i, ''),
      openedAt,
      missing: !existsSync(path),
    }));
  }

  /** Puts the project first in the recent list. */
  rememberProject(path: string): Promise<void> {
    return this.#update((stored) => ({
      ...stored,
      recentProjects: [
        { path, openedAt: new Date().toISOString() },
        ...stored.recentProjects.filter((item) => item.path !== path),
      ].slice(0, recentLimit),
    }));
  }

  forgetProject(path: string): Promise<void> {
    return this.#update((stored) => ({
      ...stored,
      recentProjects: stored.recentProjects.filter((item) => item.path !== path),
    }));
  }

  /** The stored settings; a missing file is none yet, and an unreadable one is started afresh. */
  async #read(): Promise<Stored> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return Stored.parse({});
    }
    try {
      return Stored.parse(JSON.parse(text));
    } catch (error) {
      console.error(`csra-studio: ignoring settings file ${this.file}: ${(error as Error).message}`);
      return Stored.parse({});
    }
  }

  #update(change: (stored: Stored) => Stored): Promise<void> {
    const write = this.#writing.then(async () => {
      const next = change(await this.#read());
      await mkdir(dirname(this.file), { recursive: true });
      await writeFileWhole(this.file, JSON.stringify(next, null, 2) + '\n');
    });
    this.#writing = write.catch(() => undefined);
    return write;
  }
}

/** Where the browser host keeps its settings: the XDG config folder, as desktop apps on Linux do. */
export const hostSettingsFile = (): string =>
  join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'csra-studio', 'settings.json');
