// csra-studio: the headless commands. Results go to stdout (JSON with --json), progress to stderr,
// and bad input ends the process with a one-line reason and a non-zero exit code. This entry holds
// the usage, the dispatch by name and the exit codes; the commands are in cli/, grouped by what
// they work on (each module names its commands in its first line).
import { ApiError } from '$shared/rpc';
import { createStudio } from './api';
import { UsageError, type Command } from './cli/args';
import { labelCommands } from './cli/label-commands';
import { modelCommands } from './cli/model-commands';
import { projectCommands } from './cli/project-commands';
import { reviewCommands } from './cli/review-commands';

const usage = `usage:
  csra-studio import   <project.sqlite> <folder> [--labels FILE [--format auto|ID] [--voc-difficult unknown|positive]] [--json]
  csra-studio prelabel <project.sqlite> [--ep auto|cpu|webgpu|cuda] [--json]
  csra-studio predict  <folder> [--project project.sqlite] [--ep auto|cpu|webgpu|cuda] > scores.csv
  csra-studio eval     <project.sqlite> [--split val|test|train|all] [--version N] [--compare N] [--json]
  csra-studio review   <project.sqlite> --queue disputed|uncertain|next [--offset N] [--limit N] [--json]
  csra-studio split    <project.sqlite> [--val 0.2] [--test 0] [--seed N] [--reassign] [--json]
  csra-studio train    <project.sqlite> [--activate better|always|never] [--json]
  csra-studio models   <project.sqlite> [--activate N] [--json]
  csra-studio export   <project.sqlite> [--format ID] --out PATH|- [--split train|val|test|none] [--predictions]
  csra-studio formats  (the label formats import and export speak, and what each loses)
  csra-studio move     <project.sqlite> <new.sqlite>  (the project with its folders; never over anything)
  csra-studio copy     <project.sqlite> <new.sqlite>`;

const commands: Record<string, Command> = {
  ...labelCommands,
  ...modelCommands,
  ...reviewCommands,
  ...projectCommands,
};

// A command's relative paths start where it was typed, as in any shell.
const openStudio = () => createStudio({ home: process.cwd(), resumeSwitch: false });

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const run = command && Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!run) {
    process.stderr.write(
      command && command !== '--help' ? `unknown command "${command}"\n${usage}\n` : `${usage}\n`,
    );
    return command && command !== '--help' ? 2 : 0;
  }
  try {
    await run(args, openStudio);
    return 0;
  } catch (error) {
    const message = (error as Error).message;
    process.stderr.write(`csra-studio ${command}: ${message.split('\n')[0]}\n`);
    if (error instanceof UsageError) process.stderr.write(`${usage}\n`);
    return error instanceof UsageError || (error instanceof ApiError && isInputError(error)) ? 2 : 1;
  }
}

function isInputError(error: ApiError): boolean {
  return ['invalid_request', 'bad_input', 'not_found', 'conflict', 'corrupt_database'].includes(error.code);
}

// A reader that stops early (`csra-studio predict … | head -1`) closes the pipe: the rest of the
// output has nowhere to go, and that is no failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

process.exitCode = await main(process.argv.slice(2));
