// The last phases of a train run: the version's files written beside the project, then its row
// recorded and, when the rule says so, the switch to it queued in the same transaction. Also the clean-up of
// what a killed run left in the versions folder.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { queueJob } from '../../db/jobs';
import { insertTrainedModel, listModels } from '../../db/models';
import type { SwitchConfig } from '../../inference/switch-job';
import { labelChangesSince } from '../../db/training';
import { writeTransaction } from '../../db/transaction';
import type { PackManifest } from '../../models/manifest';
import { versionFolderName, writeVersion, type TrainedHead } from '../../models/versions';
import { versionsFolder } from '../../paths';
import type { Project } from '../../project';
import type { TrainOutput } from '../train-loop';
import { scoreOnVal, type Blend } from './blend';
import type { Comparison } from './compare';
import type { TrainingData } from './features';
import type { TrainRun } from './run';

/** A version's files, written and not yet recorded, and what its row stores. */
export interface WrittenVersion {
  name: string;
  manifest: PackManifest;
  headFile: string;
  folder: string;
  metrics: {
    valMAP: number | null;
    valImages: number;
    perClass: { class: string; ap: number | null }[];
  };
  trained: {
    backend: string;
    trainSeconds: number;
    epochs: number;
    config: TrainOutput['config'];
    counts: { train: number; val: number };
  };
}

/** Writes the version's files (immutable once written). Null when the job was cancelled first. */
export async function writeVersionFiles(
  run: TrainRun,
  data: TrainingData,
  output: TrainOutput,
  blend: Blend,
): Promise<WrittenVersion | null> {
  const { project, config, context, names, baseline, preflight, snapshot, result } = run;
  const { train, val } = data.sets;
  context.progress('building version', 0, 0);
  const head: TrainedHead = {
    classes: names,
    temperatures: output.temperatures,
    lambda: output.config.lambda,
    weights: output.params.weights,
    classScale: output.params.classScale,
    classBias: output.params.classBias,
    standardise: output.standardise,
    inputs: config.inputs,
    zeroShotIndex: blend.zeroShotIndex,
    headWeight: blend.headWeights,
  };
  const { after } = blend;
  const metrics = {
    valMAP: after.mAP,
    valImages: val.photos.length,
    perClass: after.perClass.map((r) => ({ class: r.class, ap: r.ap })),
  };
  const trained = {
    backend: output.backend,
    trainSeconds: output.seconds,
    epochs: output.epochs,
    config: output.config,
    counts: { train: train.photos.length, val: val.photos.length },
  };
  // Per class, on val: the zero-shot readout, the trained head alone, and the version (their blend).
  const scoreOf = (logits: Float32Array) => scoreOnVal(names, val.truth, logits);
  const zeroShotAP = scoreOf(blend.zeroShotVal).perClass.map((r, c) =>
    blend.zeroShotIndex[c]! < 0 ? null : r.ap,
  );
  const headAP = scoreOf(output.valLogits).perClass.map((r) => r.ap);
  const valAP = after.perClass.map((r, c) => ({
    class: r.class,
    zeroShot: zeroShotAP[c]!,
    head: headAP[c]!,
    version: r.ap,
  }));
  if (context.signal.aborted) return null;
  const name = `v${nextVersionNumber(project.db)}`;
  const { manifest, headFile, folder } = await writeVersion(project, name, head, data.manifest, {
    parent: baseline.pack,
    ...trained,
    engines: result.engineTimings,
    temperatures: output.temperatures,
    headWeight: blend.headWeight,
    valAP,
    perClassCounts: preflight.classes.filter((entry) => names.includes(entry.name)),
    metrics,
    labelsReadAtEvent: snapshot.lastEvent,
  });
  return { name, manifest, headFile, folder, metrics, trained };
}

/**
 * Records the written version and, when the run's rule says so, queues the switch to it, in one
 * transaction; the switch job makes it active. Cancelled meanwhile, or a row that cannot be
 * written: its files are removed, and there is no version.
 */
export async function recordVersion(
  run: TrainRun,
  data: TrainingData,
  version: WrittenVersion,
  comparison: Comparison,
): Promise<void> {
  const { project, config, context, classes, names, baseline, snapshot, result, save } = run;
  const { db } = project;
  const { name, manifest, headFile, folder, metrics, trained } = version;
  // 'better' needs a measured improvement: a version val cannot measure is kept, not activated.
  const activate =
    config.activate === 'always' ||
    (config.activate === 'better' &&
      comparison.after !== null &&
      (comparison.before === null || comparison.after > comparison.before));
  result.labelsChanged = labelChangesSince(db, snapshot.lastEvent);
  if (context.signal.aborted) return rm(folder, { recursive: true, force: true });
  try {
    writeTransaction(db, () => {
      const record = insertTrainedModel(db, {
        parentId: baseline.id,
        name,
        pack: `${manifest.name}@${manifest.version}`,
        classes: names,
        headFile,
        metrics: {
          ...metrics,
          trained,
          classIds: classes.map((entry) => entry.classId),
          trainImageIds: data.sets.train.photos.map((photo) => photo.id),
        },
      });
      result.modelId = record.id;
      // The switch to it is recorded with it, so a crash before it starts cannot lose it.
      if (activate) queueJob(db, 'switch', { modelId: record.id } satisfies SwitchConfig);
      result.activated = activate;
      save();
    });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

function nextVersionNumber(db: Project['db']): number {
  const { n } = db.prepare('SELECT coalesce(max(id), 0) + 1 AS n FROM models').get() as { n: number };
  return n;
}

/**
 * What a killed run may have left in the versions folder: a version half-written, or written but
 * never recorded (killed between the rename and the row). Neither was ever a version.
 */
export async function removeUnfinishedVersions(project: Project): Promise<void> {
  const folder = versionsFolder(project.path);
  const recorded = new Set(listModels(project.db).map((model) => versionFolderName(model.headFile)));
  for (const name of await readdir(folder).catch(() => [] as string[]))
    if (!recorded.has(name)) await rm(join(folder, name), { recursive: true, force: true });
}
