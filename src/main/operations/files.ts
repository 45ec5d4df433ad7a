// The folder browser and the recent projects: the user's files and settings, not a project's.
import { listFolder } from '../files/folder-listing';
import type { StudioSession } from '../session';
import type { Implementation } from './implementation';

export const fileOperations = (session: StudioSession) =>
  ({
    listFolder: async ({ path }) =>
      listFolder(path === undefined ? session.home : session.typed(path), session.home),
    listRecentProjects: async () => session.settings?.recentProjects() ?? [],
    forgetRecentProject: async ({ path }) => {
      await session.settings?.forgetProject(path);
      return session.settings?.recentProjects() ?? [];
    },
  }) satisfies Partial<Implementation>;
