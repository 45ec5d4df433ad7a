// csra-studio: the headless commands. Results go to stdout (JSON with --json), progress to stderr,
// and bad input ends the process with a one-line reason and a non-zero exit code.
import { lstat, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  EvalSplit,
  ProviderChoice,
  type EvalReport,
  type ImportReport,
  type JobInfo,
  type SplitCounts,
  ActivateRule,
  ReviewQueue,
  Split,
  VocDifficult,
  type ModelVersion,
  type TrainReport,
} from '$shared/contract';
import { plural } from '$shared/plural';
import { ApiError, createClient, type Api } from '$shared/rpc';
import { createStudio } from './api';
import { exchangeFormats, findFormat } from './exchange/formats';
import { projectOwnPaths } from './guarded-write';
import { listClasses } from './db/classes';
import { projectClassMapping } from './inference/output-mapping';
import { ModelHost } from './inference/model-host';
import { defaultPackModel, ensureDefaultModel } from './inference/model-info';
import { predictFolder } from './inference/predict-folder';
import { readableFolder } from './library/scan';
import { Project } from './project';
import { copyProject, moveProject } from './project-files';
import { modelSource } from './models/versions';

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

const providerOption = { ep: { type: 'string', default: 'auto' } } as const;

function providerChoice(value: string): ProviderChoice {
  const parsed = ProviderChoice.safeParse(value);
  if (!parsed.success)
    throw new UsageError(`--ep must be one of ${ProviderChoice.options.join(', ')}, got "${value}"`);
  return parsed.data;
}

/** A share of the photos given on the command line: a number from 0 to 0.9. */
function fraction(option: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 0.9)
    throw new UsageError(`${option} must be a number from 0 to 0.9, got "${value}"`);
  return number;
}

/** A whole number of at least `least` given on the command line. */
function wholeNumber(option: string, value: string, least: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < least)
    throw new UsageError(`${option} must be a whole number from ${least}, got "${value}"`);
  return number;
}

/** Exit codes: 0 done, 1 the work failed, 2 the command line or its input is wrong. */
class UsageError extends Error {}

const commands: Record<string, (args: string[]) => Promise<void>> = {
  async import(args) {
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
    await withProject(projectPath, true, async (api) => {
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

  async prelabel(args) {
    const { values, positionals } = parse(args, { ...providerOption, json: { type: 'boolean' } }, 1);
    const provider = providerChoice(values.ep);
    await withProject(positionals[0]!, false, async (api) => {
      const job = await api.startPrelabel({ provider });
      const finished = await followJob(api, job);
      const report = await api.getPrelabelReport({ jobId: job.id });
      if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        const rate =
          report.photosPerSecond === null ? '' : ` at ${report.photosPerSecond.toFixed(1)} photos/s`;
        const lines = [
          `${plural(report.predicted, 'photo')} predicted with ${report.model} on ${report.provider ?? '?'}${rate}, ` +
            `${report.skipped.length} skipped`,
          ...report.skipped.map(({ path, reason }) => `  skipped    ${path}: ${reason}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (finished.status !== 'done')
        throw new Error(`pre-labeling ${finished.status}: ${finished.error ?? ''}`);
    });
  },

  async predict(args) {
    const { values, positionals } = parse(args, { ...providerOption, project: { type: 'string' } }, 1);
    const provider = providerChoice(values.ep);
    const folder = await readableFolder(positionals[0]!);
    const models = new ModelHost();
    const project = values.project ? Project.open(values.project) : null;
    try {
      const active = project && (await ensureDefaultModel(project));
      const record = active ?? (await defaultPackModel());
      const model = await models.load(active ? modelSource(project, active) : record, provider);
      // Every project class has a column; one the model does not predict has empty cells.
      const columns = project
        ? (() => {
            const mapping = new Map(
              projectClassMapping(listClasses(project.db), record).map((e) => [e.classId, e.modelIndex]),
            );
            return listClasses(project.db).map((entry) => ({
              name: entry.name,
              modelIndex: mapping.get(entry.id) ?? null,
            }));
          })()
        : record.classes.map((name, modelIndex) => ({ name, modelIndex }));
      if (columns.every((column) => column.modelIndex === null))
        throw new ApiError('conflict', `no class of the project matches a class of ${record.pack}`);
      process.stderr.write(`predicting with ${record.pack} on ${model.provider}\n`);
      const { predicted, skipped } = await predictFolder(folder, model, columns, (line) =>
        process.stdout.write(line + '\n'),
      );
      for (const { reason, count, example } of skipped) {
        process.stderr.write(
          `skipped ${plural(count, 'file')}: ${reason}${example ? ` (e.g. ${example})` : ''}\n`,
        );
      }
      process.stderr.write(`${plural(predicted, 'photo')} predicted\n`);
      if (predicted === 0) throw new Error(`no photo under ${folder} could be predicted`);
    } finally {
      project?.close();
      await models.close();
    }
  },

  async train(args) {
    const { values, positionals } = parse(
      args,
      { activate: { type: 'string', default: 'better' }, json: { type: 'boolean' } },
      1,
    );
    const activate = ActivateRule.safeParse(values.activate);
    if (!activate.success)
      throw new UsageError(
        `--activate must be one of ${ActivateRule.options.join(', ')}, got "${values.activate}"`,
      );
    await withProject(positionals[0]!, false, async (api) => {
      const preflight = await api.getTrainPreflight({});
      if (preflight.blockers.length > 0)
        throw new ApiError('conflict', `cannot train: ${preflight.blockers.join('; ')}`);
      for (const entry of preflight.classes)
        if (entry.warning) process.stderr.write(`  ${entry.name}: ${entry.warning}\n`);
      const job = await api.startTrain({ activate: activate.data });
      let shown = 0;
      const finished = await followJob(api, job, async () => {
        const report = await api.getTrainReport({ jobId: job.id });
        for (const epoch of report.epochs.slice(shown))
          process.stderr.write(
            `  ${epoch.trial} epoch ${epoch.epoch}: loss ${epoch.loss.toFixed(4)}, val mAP ${percent(epoch.valMAP)}\n`,
          );
        shown = report.epochs.length;
      });
      const report = await api.getTrainReport({ jobId: job.id });
      if (finished.status !== 'done') throw new Error(finished.error ?? `training ${finished.status}`);
      if (report.activated) await prelabelWithActive(api);
      if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else process.stdout.write(describeTraining(report));
    });
  },

  async models(args) {
    const { values, positionals } = parse(
      args,
      { activate: { type: 'string' }, json: { type: 'boolean' } },
      1,
    );
    await withProject(positionals[0]!, false, async (api) => {
      if (values.activate !== undefined) {
        const id = Number(values.activate);
        if (!Number.isInteger(id) || id < 1)
          throw new UsageError(`--activate takes a version id, got "${values.activate}"`);
        await api.activateModel({ modelId: id });
        await prelabelWithActive(api);
      }
      const versions = await api.listModels({});
      if (values.json) process.stdout.write(JSON.stringify(versions, null, 2) + '\n');
      else process.stdout.write(describeVersions(versions));
    });
  },

  async eval(args) {
    const { values, positionals } = parse(
      args,
      {
        split: { type: 'string', default: 'all' },
        version: { type: 'string' },
        compare: { type: 'string' },
        json: { type: 'boolean' },
      },
      1,
    );
    const split = EvalSplit.safeParse(values.split);
    if (!split.success) throw new UsageError(`--split must be one of ${EvalSplit.options.join(', ')}`);
    const versionId = (option: string, value: string | undefined) => {
      if (value === undefined) return undefined;
      const id = Number(value);
      if (!(Number.isSafeInteger(id) && id >= 1))
        throw new UsageError(`${option} takes a version id (see csra-studio models), got "${value}"`);
      return id;
    };
    const modelId = versionId('--version', values.version);
    const comparedWith = versionId('--compare', values.compare);
    await withProject(positionals[0]!, false, async (api) => {
      const report = await api.evaluate({ split: split.data, modelId, comparedWith });
      // Compared: both versions, on the photos both can be measured on.
      const reports =
        comparedWith === undefined
          ? [report]
          : [
              report,
              await api.evaluate({ split: split.data, modelId: comparedWith, comparedWith: report.modelId }),
            ];
      const json = comparedWith === undefined ? report : reports;
      process.stdout.write(
        values.json ? JSON.stringify(json, null, 2) + '\n' : reports.map(describeEval).join('\n'),
      );
    });
  },

  async review(args) {
    const { values, positionals } = parse(
      args,
      {
        queue: { type: 'string' },
        offset: { type: 'string', default: '0' },
        limit: { type: 'string', default: '20' },
        json: { type: 'boolean' },
      },
      1,
    );
    const queue = ReviewQueue.safeParse(values.queue);
    if (!queue.success) throw new UsageError(`--queue must be one of ${ReviewQueue.options.join(', ')}`);
    const offset = wholeNumber('--offset', values.offset, 0);
    const limit = wholeNumber('--limit', values.limit, 1);
    await withProject(positionals[0]!, false, async (api) => {
      // The contract's pages hold at most 500 items; a longer list is read page by page.
      const first = await api.listReviewQueue({ queue: queue.data, offset, limit: Math.min(limit, 500) });
      const items = [...first.items];
      while (items.length < limit && offset + items.length < first.total) {
        const page = await api.listReviewQueue({
          queue: queue.data,
          offset: offset + items.length,
          limit: Math.min(limit - items.length, 500),
        });
        if (page.items.length === 0) break;
        items.push(...page.items);
      }
      const { total } = first;
      if (values.json) {
        process.stdout.write(JSON.stringify({ queue: queue.data, total, offset, items }, null, 2) + '\n');
        return;
      }
      const shown =
        items.length === total
          ? ''
          : items.length === 0
            ? `, none from ${offset + 1}`
            : offset === 0
              ? `, the first ${items.length}`
              : `, ${offset + 1} to ${offset + items.length}`;
      const lines = [
        `${queue.data}: ${total} item${total === 1 ? '' : 's'}${shown}`,
        ...items.map((item) => `  ${item.path}: ${item.reason}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
  },

  async split(args) {
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
    await withProject(positionals[0]!, false, async (api) => {
      const counts = await api.assignSplits({ val, test, seed, reassign: values.reassign });
      if (values.json) process.stdout.write(JSON.stringify(counts, null, 2) + '\n');
      else process.stdout.write(describeSplits(counts));
    });
  },

  async export(args) {
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
    await withProject(positionals[0]!, false, async (api) => {
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

  async formats(args) {
    parse(args, {}, 0);
    for (const format of exchangeFormats) {
      const ways = [format.read && 'import', format.write && 'export'].filter(Boolean).join(', ');
      const loses = format.loses.length ? `loses ${format.loses.join(', ')}` : 'lossless';
      process.stdout.write(`${format.id.padEnd(14)} ${format.title} (${ways}; ${loses})\n`);
    }
  },
};

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse<O extends Options>(args: string[], options: O, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}`);
  }
  return parsed;
}

/**
 * Runs `work` on the project at `path`, created first if missing and allowed. A project this run
 * created goes again when the work fails before a photo is in it, so a failed first import leaves
 * nothing behind; files that were there before are never touched.
 */
async function withProject(
  path: string,
  createIfMissing: boolean,
  work: (api: Api) => Promise<void>,
): Promise<void> {
  // A command's relative paths start where it was typed, as in any shell.
  const studio = createStudio({ home: process.cwd() });
  const api = createClient(studio);
  const created: string[] = [];
  let removeCreated = false;
  try {
    try {
      const opened = await api.openProject({ path });
      for (const { path: folder, loss } of opened.missingFolders)
        process.stderr.write(
          `note: ${folder} is missing, so ${loss}; a project moves with its folders (csra-studio move)\n`,
        );
    } catch (error) {
      if (!(createIfMissing && error instanceof ApiError && error.code === 'not_found')) throw error;
      const { files, folders } = projectOwnPaths(path);
      // lstat: a link there, even one leading nowhere, was there before.
      for (const entry of [...files, ...folders])
        if (!(await lstat(entry).catch(() => null))) created.push(entry);
      await api.createProject({ path });
    }
    await work(api);
  } catch (error) {
    removeCreated = created.length > 0 && ((await api.getProject({}))?.imageCount ?? 0) === 0;
    throw error;
  } finally {
    await studio.close();
    if (removeCreated) await Promise.all(created.map((entry) => rm(entry, { recursive: true, force: true })));
  }
}

/**
 * Pre-labels the photos with the version just activated, so the project is ready when the command
 * ends: main starts that run itself, and this joins it (or starts it, if main has not yet).
 */
async function prelabelWithActive(api: Api): Promise<void> {
  const { imageCount } = (await api.getProject({}))!;
  // A few rounds at most: photos that cannot be read are never predicted.
  for (let round = 0; round < 3; round++) {
    if ((await api.getModel({}))!.predicted >= imageCount) return;
    const running = (await api.listJobs({})).find(
      (job) => job.kind === 'prelabel' && job.status === 'running',
    );
    const job =
      running ??
      (await api.startPrelabel({}).catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'conflict') return null; // main's run began meanwhile
        throw error;
      }));
    if (job && (await followJob(api, job)).status !== 'done') return;
  }
}

/**
 * Follows a job to its end, printing progress; `onProgress` runs on each of its progress events.
 * SIGINT (Ctrl+C) or SIGTERM ends the command instead: closing the studio interrupts the job at its
 * next safe point and gives up its lease, and the same command resumes it. A second signal ends
 * the process at once.
 */
function followJob(api: Api, job: JobInfo, onProgress?: () => Promise<void>): Promise<JobInfo> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // On a terminal one line is redrawn; in a log, a line at most every two seconds.
    const tty = process.stderr.isTTY;
    let lastLine = 0;
    const stop = api.onEvent((event) => {
      if (event.type !== 'job' || event.job.id !== job.id) return;
      const { status, phase, done, total } = event.job;
      if (status === 'running') {
        void onProgress?.().catch(() => undefined);
        if (!tty && Date.now() - lastLine < 2000) return;
        lastLine = Date.now();
        const rate = done / Math.max((Date.now() - started) / 1000, 0.001);
        const eta = rate > 0 && total > done ? `, ${Math.ceil((total - done) / rate)} s left` : '';
        process.stderr.write(
          `${tty ? '\r' : ''}${phase} ${done}/${total} (${rate.toFixed(0)}/s${eta})${tty ? '   ' : '\n'}`,
        );
        return;
      }
      finish();
      resolve(event.job);
    });
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const onSignal = (signal: NodeJS.Signals) => {
      finish();
      reject(
        new Error(
          `interrupted by ${signal}: job ${job.id} stopped at a safe point; the same command resumes it`,
        ),
      );
    };
    const finish = () => {
      if (tty) process.stderr.write('\n');
      stop();
      for (const signal of signals) process.off(signal, onSignal);
    };
    for (const signal of signals) process.once(signal, onSignal);
  });
}

function describeEval(report: EvalReport): string {
  const pct = (value: number | null) => (value === null ? '   -' : (100 * value).toFixed(1).padStart(5));
  const metrics = (m: EvalReport['threshold']) =>
    `CP ${pct(m.CP)}  CR ${pct(m.CR)}  CF1 ${pct(m.CF1)}  OP ${pct(m.OP)}  OR ${pct(m.OR)}  OF1 ${pct(m.OF1)}`;
  const width = Math.max(5, ...report.perClass.map((entry) => entry.class.length));
  const count = (value: number, width: number) => String(value).padStart(width);
  return (
    [
      `${report.version} (version ${report.modelId}, ${report.model}) on ${report.images} photos (split ${report.split}` +
        (report.unpredicted ? `; ${report.unpredicted} not predicted yet, left out` : '') +
        (report.comparedWith === null
          ? ''
          : `; compared with version ${report.comparedWith} on the same photos` +
            (report.leftOutForComparison ? `, ${report.leftOutForComparison} left out for it` : '')) +
        `), ${report.classesEvaluated} classes`,
      `mAP ${pct(report.mAP)}`,
      `at 0.5: ${metrics(report.threshold)}`,
      `top-3:  ${metrics(report.top3)}`,
      // P, R and F1 at each class's threshold in use; a label is disputed when the model's
      // probability is on the other side of that threshold.
      `${'class'.padEnd(width)}     AP  thresh      P      R     F1   positive: agreed disputed   negative: agreed disputed   unknown`,
      ...report.perClass.map(({ class: name, ap, atThreshold: at, unknown }) =>
        [
          name.padEnd(width),
          ` ${pct(ap)}`,
          at.threshold.toFixed(2).padStart(7),
          ` ${pct(at.precision)}`,
          ` ${pct(at.recall)}`,
          ` ${pct(at.f1)}`,
          count(at.positiveAgreed, 18),
          count(at.positiveDisputed, 8),
          count(at.negativeAgreed, 18),
          count(at.negativeDisputed, 8),
          count(unknown, 9),
        ].join(' '),
      ),
    ].join('\n') + '\n'
  );
}

const percent = (value: number | null | undefined) => (value == null ? '–' : `${(100 * value).toFixed(1)}`);

function describeTraining(report: TrainReport): string {
  const { comparison, version } = report;
  const lines = [
    `trained on ${report.backend ?? '?'} in ${report.trainSeconds?.toFixed(1) ?? '?'} s ` +
      `(features ${report.featureSeconds?.toFixed(1) ?? '?'} s), ${version?.trained?.epochs ?? 0} epochs, ` +
      `${version?.trained ? `${version.trained.config.heads} heads, λ ${version.trained.config.lambda}` : ''}`,
  ];
  if (comparison)
    lines.push(
      `val mAP ${percent(comparison.before)} (${comparison.baseline}) → ${percent(comparison.after)} (${version?.name ?? 'new'})`,
      ...comparison.perClass.map(
        (entry) =>
          `  ${entry.class.padEnd(16)} ${percent(entry.before).padStart(5)} → ${percent(entry.after).padStart(5)}`,
      ),
    );
  if (version)
    lines.push(
      `version ${version.id} (${version.name}) ${report.activated ? 'is now active' : 'made, not activated'}`,
    );
  if (report.labelsChangedSince > 0)
    lines.push(
      `${report.labelsChangedSince} labels changed while it trained; the run used them as they were when it started`,
    );
  return lines.join('\n') + '\n';
}

function describeVersions(versions: ModelVersion[]): string {
  return (
    versions
      .map(
        (v) =>
          `${v.active ? '*' : ' '} ${String(v.id).padStart(3)}  ${v.name.padEnd(18)} ${v.createdAt}  ` +
          (v.trained ? `val mAP ${percent(v.metrics?.valMAP)} on ${v.trained.backend}` : 'pack as shipped') +
          (v.problem ? `  (${v.problem})` : ''),
      )
      .join('\n') + '\n'
  );
}

/** Photos per split; train, val and test also as shares of the photos in a split. */
function describeSplits(counts: SplitCounts): string {
  const placed = counts.train + counts.val + counts.test;
  const width = String(placed + counts.none).length;
  const line = (split: keyof SplitCounts, note: string) =>
    `  ${split.padEnd(5)}  ${String(counts[split]).padStart(width)}  ${note}`.trimEnd();
  const share = (n: number) => (placed === 0 ? '' : `${((100 * n) / placed).toFixed(1)} %`);
  return (
    [
      `${placed} of ${placed + counts.none} photos in a split`,
      line('train', share(counts.train)),
      line('val', share(counts.val)),
      line('test', share(counts.test)),
      line('none', 'no split (photos without labels)'),
    ].join('\n') + '\n'
  );
}

function describeImport(report: ImportReport, classCount: number): string {
  const lines = [
    `${plural(report.found, 'photo')} found: ${report.added} new, ${report.existing} already in the project, ` +
      `${report.duplicates.length} duplicates, ${report.skipped.length} skipped`,
  ];
  for (const { path, duplicateOf } of report.duplicates)
    lines.push(`  duplicate  ${path} (same as ${duplicateOf})`);
  for (const { path, reason } of report.skipped) lines.push(`  skipped    ${path}: ${reason}`);
  if (report.labels) {
    const { format, classes, photosLabelled, labelsWritten, humanLabelsKept, unmatchedRows } = report.labels;
    const { unmatched = unmatchedRows.length, classesCreated = [], skipped } = report.labels;
    if (format) lines.push(`labels file format: ${format}`);
    lines.push(
      `labels: ${classes} classes, ${photosLabelled} photos labelled, ${labelsWritten} labels written` +
        (humanLabelsKept ? `, ${humanLabelsKept} human labels kept` : '') +
        (unmatched ? `, ${unmatched} rows name no imported photo` : ''),
    );
    if (classesCreated.length)
      lines.push(`  new classes (${classesCreated.length}): ${classesCreated.join(', ')}`);
    if (unmatched)
      lines.push(`  unmatched: ${unmatchedRows.join(', ')}${unmatched > unmatchedRows.length ? ', …' : ''}`);
    for (const { at, reason } of skipped?.examples ?? []) lines.push(`  unread     ${at}: ${reason}`);
    if (skipped && skipped.count > skipped.examples.length)
      lines.push(`  … and ${skipped.count - skipped.examples.length} more not read`);
  }
  lines.push(`project: ${classCount} classes`);
  return lines.join('\n') + '\n';
}

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
    await run(args);
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
