// The commands that bring labels in and take them out: import, split, export and formats.
import { Split, VocDifficult } from '$shared/contract';
import { exchangeFormats, findFormat } from '../exchange/formats';
import { fraction, parse, UsageError, type Command } from './args';
import { describeImport, describeSplits } from './output';
import { followJob, withProject } from './session';

export const labelCommands: Record<string, Command> = {
  async import(args, openStudio) {
    const { values, positionals } = parse(
      args,
      {
        labels: { type: 'string' },
        format: { type: 'string', default: 'auto' },
        'voc-difficult': { type: 'string', default: 'unknown' },
        json: { type: 'boolean' },
      },
      2,
    );
    const [projectPath, folder] = positionals as [string, string];
    const vocDifficult = VocDifficult.safeParse(values['voc-difficult']);
    if (!vocDifficult.success)
      throw new UsageError(
        `--voc-difficult must be one of ${VocDifficult.options.join(', ')}, got "${values['voc-difficult']}"`,
      );
    await withProject(openStudio, projectPath, true, async (api) => {
      const labels = values.labels
        ? { labelsFile: values.labels, labelsFormat: values.format, vocDifficult: vocDifficult.data }
        : {};
      const job = await api.startImport({ folder, ...labels });
      const finished = await followJob(api, job);
      const report = await api.getImportReport({ jobId: job.id });
      const project = await api.getProject({});
      if (values.json) process.stdout.write(JSON.stringify({ ...report, project }, null, 2) + '\n');
      else process.stdout.write(describeImport(report, project!.classCount));
      if (finished.status !== 'done') throw new Error(`import ${finished.status}: ${finished.error ?? ''}`);
    });
  },

  async split(args, openStudio) {
    const { values, positionals } = parse(
      args,
      {
        val: { type: 'string', default: '0.2' },
        test: { type: 'string', default: '0' },
        seed: { type: 'string', default: '1' },
        reassign: { type: 'boolean', default: false },
        json: { type: 'boolean' },
      },
      1,
    );
    const val = fraction('--val', values.val);
    const test = fraction('--test', values.test);
    if (val + test >= 1) throw new UsageError('--val and --test together must leave photos for train');
    const seed = Number(values.seed);
    if (!/^\d+$/.test(values.seed.trim()) || !Number.isSafeInteger(seed))
      throw new UsageError(`--seed must be a whole number ≥ 0, got "${values.seed}"`);
    await withProject(openStudio, positionals[0]!, false, async (api) => {
      const counts = await api.assignSplits({ val, test, seed, reassign: values.reassign });
      if (values.json) process.stdout.write(JSON.stringify(counts, null, 2) + '\n');
      else process.stdout.write(describeSplits(counts));
    });
  },

  async export(args, openStudio) {
    const { values, positionals } = parse(
      args,
      {
        format: { type: 'string', default: 'jsonl' },
        out: { type: 'string' },
        split: { type: 'string' },
        predictions: { type: 'boolean', default: false },
      },
      1,
    );
    if (!values.out) throw new UsageError('export needs --out PATH');
    findFormat(values.format, 'write');
    const split = values.split === undefined ? undefined : Split.safeParse(values.split);
    if (split && !split.success) throw new UsageError(`--split must be one of ${Split.options.join(', ')}`);
    const choice = {
      format: values.format,
      predictions: values.predictions,
      ...(split && { split: split.data }),
    };
    await withProject(openStudio, positionals[0]!, false, async (api) => {
      if (values.out === '-') {
        // The labels alone on stdout, for a pipe; what is said about them goes to stderr.
        const { text, rows, format, losses } = await api.exportText(choice);
        for (const loss of losses) process.stderr.write(`note: ${loss}\n`);
        process.stdout.write(text);
        process.stderr.write(`wrote ${rows} photos to stdout (${format})\n`);
        return;
      }
      // What the format cannot say is said before the file is written.
      for (const loss of (await api.previewExport(choice)).losses) process.stdout.write(`note: ${loss}\n`);
      const { path, rows, format } = await api.exportLabels({ ...choice, out: values.out! });
      process.stdout.write(`wrote ${rows} photos to ${path} (${format})\n`);
    });
  },

  async formats(args) {
    parse(args, {}, 0);
    for (const format of exchangeFormats) {
      const ways = [format.read && 'import', format.write && 'export'].filter(Boolean).join(', ');
      const loses = format.loses.length ? `loses ${format.loses.join(', ')}` : 'lossless';
      process.stdout.write(`${format.id.padEnd(14)} ${format.title} (${ways}; ${loses})\n`);
    }
  },
};
