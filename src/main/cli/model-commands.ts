// The commands that run a model or make one: prelabel, predict, train, models and eval.
import { ActivateRule, EvalSplit } from '$shared/contract';
import { plural } from '$shared/plural';
import { ApiError, type Api } from '$shared/rpc';
import { listClasses } from '../db/classes';
import { ModelHost } from '../inference/model-host';
import { defaultPackModel, ensureDefaultModel } from '../inference/model-info';
import { projectClassMapping } from '../inference/output-mapping';
import { predictFolder } from '../inference/predict-folder';
import { readableFolder } from '../library/scan';
import { modelSource } from '../models/versions';
import { Project } from '../project';
import { parse, providerChoice, providerOption, UsageError, type Command } from './args';
import { describeEval, describeTraining, describeVersions, percent } from './output';
import { followJob, withProject } from './session';

export const modelCommands: Record<string, Command> = {
  async prelabel(args, openStudio) {
    const { values, positionals } = parse(args, { ...providerOption, json: { type: 'boolean' } }, 1);
    const provider = providerChoice(values.ep);
    await withProject(openStudio, positionals[0]!, false, async (api) => {
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

  async train(args, openStudio) {
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
    await withProject(openStudio, positionals[0]!, false, async (api) => {
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
      const trained = await api.getTrainReport({ jobId: job.id });
      if (finished.status !== 'done') throw new Error(finished.error ?? `training ${finished.status}`);
      if (trained.activated && trained.version) await switchTo(api, trained.version.id);
      // Read again: the version is active once its switch has ended.
      const report = await api.getTrainReport({ jobId: job.id });
      if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else process.stdout.write(describeTraining(report));
    });
  },

  async models(args, openStudio) {
    const { values, positionals } = parse(
      args,
      { activate: { type: 'string' }, json: { type: 'boolean' } },
      1,
    );
    await withProject(openStudio, positionals[0]!, false, async (api) => {
      if (values.activate !== undefined) {
        const id = Number(values.activate);
        if (!Number.isInteger(id) || id < 1)
          throw new UsageError(`--activate takes a version id, got "${values.activate}"`);
        await switchTo(api, id);
      }
      const versions = await api.listModels({});
      if (values.json) process.stdout.write(JSON.stringify(versions, null, 2) + '\n');
      else process.stdout.write(describeVersions(versions));
    });
  },

  async eval(args, openStudio) {
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
    await withProject(openStudio, positionals[0]!, false, async (api) => {
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
};

/**
 * Switches the project to a version and waits until the switch has ended, so the project is ready
 * when the command ends: joins the switch main has begun, or resumes one that was cut off.
 */
async function switchTo(api: Api, modelId: number): Promise<void> {
  const job = await api.activateModel({ modelId });
  const finished = await followJob(api, job);
  if (finished.status !== 'done') throw new Error(finished.error ?? `the version switch ${finished.status}`);
}
