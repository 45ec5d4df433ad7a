// Project operations: create, open, save as and close swap the session's open project.
import { guardOutputPath } from '../guarded-write';
import { Project } from '../project';
import { copyProject } from '../project-files';
import type { StudioSession } from '../session';
import type { Implementation } from './implementation';

export const projectOperations = (session: StudioSession) =>
  ({
    createProject: async (input) => {
      const path = session.typed(input.path);
      if (session.project) await guardOutputPath(session.project.path, path);
      return (await session.swap(await session.remembered(Project.create(path))))!;
    },
    openProject: async ({ path }) =>
      (await session.swap(await session.remembered(Project.open(session.typed(path)))))!,
    saveProjectAs: async (input) => {
      const { project: open } = session.requireOpen();
      const saved = await copyProject(open.db, open.path, session.typed(input.path));
      return (await session.swap(await session.remembered(Project.open(saved))))!;
    },
    closeProject: async () => {
      await session.swap(null);
      return null;
    },
    getProject: async () => session.project?.info() ?? null,
  }) satisfies Partial<Implementation>;
