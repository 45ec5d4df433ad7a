// The commands that carry a project with its folders elsewhere: move and copy.
import { Project } from '../project';
import { copyProject, moveProject } from '../project-files';
import { parse, type Command } from './args';

export const projectCommands: Record<string, Command> = {
  async move(args) {
    const { positionals } = parse(args, {}, 2);
    const [from, to] = positionals as [string, string];
    process.stdout.write(`moved the project with its folders to ${await moveProject(from, to)}\n`);
  },

  async copy(args) {
    const { positionals } = parse(args, {}, 2);
    const [from, to] = positionals as [string, string];
    const project = Project.open(from);
    try {
      process.stdout.write(
        `copied the project with its folders to ${await copyProject(project.db, project.path, to)}\n`,
      );
    } finally {
      project.close();
    }
  },
};
