// A trained model version is a model pack of its own, in a folder beside the project
// (<project>.models/<name>): one ONNX model holding the default pack's backbone and readout, the
// trained CSRA head on the photo's and its mirror image's features, and the blend of the two, so
// pre-labeling, predict and the overlays run one model; and a manifest that records where the
// version came from. A version's files are never rewritten: the folder is written under a
// temporary name and renamed into place, so a failed write (a full disk) leaves no version.
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ApiError } from '$shared/rpc';
import type { ModelVersion } from '$shared/contract';
import { getModel, listModels, type ModelRecord } from '../db/models';
import type { Project } from '../project';
import { appendCsraHead } from './csra-head';
import { appendDefaultNetwork, defaultPackOptions, mirror } from './default-pack';
import { loadPack, manifestFile, modelFile, parseManifest, type PackManifest } from './manifest';
import { OnnxGraph } from './onnx-graph';
import { versionsFolder } from '../paths';
import { partialPathBeside } from '../files/partial';

export interface TrainedHead {
  /** The project's class names, in the order of the head's rows. */
  classes: string[];
  temperatures: number[];
  lambda: number;
  /** Raw per-head C×d classifiers. */
  weights: Float32Array[];
  classScale: Float32Array;
  classBias: Float32Array;
  /** Feature standardisation, from the train split (of the maps' channels too, with 'features+maps'). */
  standardise: { mean: Float32Array; std: Float32Array };
  /** 'features+maps': the COCO class maps on the feature grid are read as more channels. */
  inputs: 'features' | 'features+maps';
  /**
   * Per class: the zero-shot readout's class it blends with (-1: none, the head alone) and the
   * head's weight in the blend, w · head + (1 − w) · zero-shot, in logits.
   */
  zeroShotIndex: number[];
  headWeight: number[];
}

/**
 * What a model version loads: a pack as shipped (resources/models/<name>), or a trained version's
 * own pack folder beside the project (`folder`, resolved from its head_file by the caller).
 */
export type ModelSource = Pick<ModelRecord, 'pack' | 'headFile'> & { folder?: string };

/**
 * The version folder's name a head_file gives: `v<N>`, relative to the project's versions folder so
 * a project renamed or copied with its folders keeps its versions. Rows written before held the
 * path from the project's folder, `<project>.models/v<N>`, with the project's name at the time;
 * only the version's name is read from them. Anything else is null.
 */
export function versionFolderName(headFile: string | null): string | null {
  return headFile?.match(/^(?:[^/\\]+\.models[/\\])?(v\d+)$/)?.[1] ?? null;
}

/**
 * A trained version's folder: `<project>.models/v<N>` beside the project and nowhere else, whatever
 * the database says (a crafted head_file must not make the app read files elsewhere).
 */
export function versionFolder(project: Project, record: Pick<ModelRecord, 'name' | 'headFile'>): string {
  const name = versionFolderName(record.headFile);
  if (name === null)
    throw new ApiError(
      'bad_input',
      `version ${record.name} names files outside the project's versions folder (${record.headFile})`,
    );
  return join(versionsFolder(project.path), name);
}

/** What ModelHost loads for a version: a trained version's folder is resolved beside the project. */
export function modelSource(
  project: Project,
  record: Pick<ModelRecord, 'name' | 'pack' | 'headFile'>,
): ModelSource {
  return record.headFile === null ? record : { ...record, folder: versionFolder(project, record) };
}

/**
 * Why a version cannot be loaded (its folder is missing or outside the project's, its files do
 * not match its manifest or were edited, or they hold another version), or null when it can.
 */
export async function versionProblem(project: Project, record: ModelRecord): Promise<string | null> {
  if (record.headFile === null) return null;
  try {
    const folder = versionFolder(project, record);
    if (!existsSync(folder))
      return `its folder ${folder} is missing: the project was moved or copied without ${basename(versionsFolder(project.path))}`;
    const { manifest } = await loadVersionPack(folder);
    if (`${manifest.name}@${manifest.version}` !== record.pack)
      return `its folder holds ${manifest.name}@${manifest.version}, not ${record.pack}`;
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * A trained version's pack, checked whole: loadPack checks the model against the manifest, and the
 * version (a digest of the manifest, model hash included) checks the manifest itself.
 */
export async function loadVersionPack(folder: string): ReturnType<typeof loadPack> {
  const pack = await loadPack(folder);
  const { version, ...content } = pack.manifest;
  if (versionDigest(content) !== version)
    throw new ApiError(
      'bad_input',
      `model pack ${folder}: its manifest was changed after the version was made`,
    );
  return pack;
}

function versionDigest(content: Omit<PackManifest, 'version'>): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 12);
}

/** The version's ONNX model; its outputs are those of the default pack, for the project's classes. */
export async function buildVersionModel(
  head: TrainedHead,
  defaultManifest: PackManifest,
): Promise<{ bytes: Uint8Array; outputs: PackManifest['outputs'] }> {
  const C = head.classes.length;
  const { input } = defaultManifest;
  const graph = new OnnxGraph('csra-version');
  graph.input(input.name, ['N', ...input.size, input.channels]);
  const network = await appendDefaultNetwork(graph, input.name, defaultPackOptions);
  if (!network.featuresMirror) throw new Error('the default pack has no mirror-image features');
  const [dim, height, width] = defaultManifest.outputs.features.shape.slice(1).map(Number) as [
    number,
    number,
    number,
  ];
  const outputs: PackManifest['outputs'] = {
    logits: { name: 'logits', shape: ['N', C] },
    classMap: { name: 'class_map', shape: ['N', C, height, width] },
    features: { name: 'features', shape: ['N', dim, height, width] },
    overlay: { name: 'class_map', shape: ['N', C, height, width] },
    featuresMirror: { name: 'features_mirror', shape: ['N', dim, height, width] },
    pooledClassMap: { name: 'class_map_16', shape: ['N', defaultManifest.classes.length, height, width] },
    zeroShot: { name: 'zero_shot_logits', shape: ['N', defaultManifest.classes.length] },
  };

  // The head reads the photo and its mirror image as one batch of 2N; its logits are their mean,
  // as the zero-shot readout averages the class maps of both. The overlay is its map on the photo.
  const pooled = graph.op('AveragePool', [network.classMap], { kernel_shape: [8, 8], strides: [8, 8] });
  const withMaps = (features: string, maps: string) =>
    head.inputs === 'features+maps' ? graph.op('Concat', [features, maps], { axis: 1 }) : features;
  const both = graph.op(
    'Concat',
    [withMaps(network.features, pooled), withMaps(network.featuresMirror, mirror(graph, pooled, 3))],
    { axis: 0 },
  );
  const headLogits = appendCsraHead(graph, both, {
    weights: head.weights,
    classes: C,
    dim: head.weights[0]!.length / C,
    temperatures: head.temperatures,
    lambda: head.lambda,
    standardise: head.standardise,
    classScale: head.classScale,
    classBias: head.classBias,
    map: { name: 'head_map', grid: [height, width] },
  });
  const [headMap] = graph.node('Split', ['head_map'], { axis: 0 }, { outputs: 2 }) as [string, string];
  const [direct, mirrored] = graph.node('Split', [headLogits], { axis: 0 }, { outputs: 2 }) as [
    string,
    string,
  ];
  const meanLogits = graph.op('Mul', [graph.op('Add', [direct, mirrored]), graph.floats('half', [0.5], [])]);
  // Logits and overlay alike are w · head + (1 − w) · zero-shot per class (w = 1: COCO lacks it),
  // so the map a person sees is the one behind the probability.
  const index = graph.int64s(
    'zero_shot_index',
    head.zeroShotIndex.map((i) => Math.max(0, i)),
  );
  const weight = head.zeroShotIndex.map((i, c) => (i < 0 ? 1 : head.headWeight[c]!));
  const blend = (ofHead: string, zeroShot: string, dims: number[], output: string) =>
    graph.node(
      'Add',
      [
        graph.op('Mul', [ofHead, graph.floats('head_weight', weight, dims)]),
        graph.op('Mul', [
          graph.op('Gather', [zeroShot, index], { axis: 1 }),
          graph.floats(
            'zero_shot_weight',
            weight.map((w) => 1 - w),
            dims,
          ),
        ]),
      ],
      {},
      { outputNames: [output] },
    );
  blend(meanLogits, network.zeroShot, [C], outputs.logits.name);
  blend(headMap, pooled, [C, 1, 1], outputs.classMap.name);
  const named = (tensor: string, name: string) =>
    graph.node('Identity', [tensor], {}, { outputNames: [name] });
  named(network.features, outputs.features.name);
  named(network.featuresMirror, outputs.featuresMirror!.name);
  named(network.zeroShot, outputs.zeroShot!.name);
  named(pooled, outputs.pooledClassMap!.name);
  for (const output of new Map(Object.values(outputs).map((o) => [o.name, o])).values())
    graph.output(output.name, output.shape);
  return { bytes: graph.encode({ backbone: `${defaultManifest.name}@${defaultManifest.version}` }), outputs };
}

/**
 * Builds and writes a version's pack; returns its manifest, its folder, and that folder's name in
 * the versions folder (what models.head_file holds). `name` is a fresh lowercase name (v<N>).
 */
export async function writeVersion(
  project: Project,
  name: string,
  head: TrainedHead,
  defaultManifest: PackManifest,
  training: Record<string, unknown>,
): Promise<{ manifest: PackManifest; headFile: string; folder: string }> {
  const { bytes, outputs } = await buildVersionModel(head, defaultManifest);
  const sha = createHash('sha256').update(bytes).digest('hex');
  const { version: _, ...content } = parseManifest({
    ...defaultManifest,
    name,
    version: 'unset',
    classes: head.classes,
    outputs,
    backbone: `${defaultManifest.name}@${defaultManifest.version}`,
    training,
    modelSha256: sha,
  });
  const manifest = parseManifest({ ...content, version: versionDigest(content) });
  const folder = join(versionsFolder(project.path), name);
  const partial = partialPathBeside(folder);
  try {
    await mkdir(partial, { recursive: true });
    await writeFile(join(partial, modelFile), bytes);
    await writeFile(join(partial, manifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(partial, folder);
  } catch (error) {
    // What could not be written may not be removable either (the folder's parent is not a folder).
    await rm(partial, { recursive: true, force: true }).catch(() => undefined);
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : (error as Error).message;
    throw new ApiError('io_error', `the new model version was not created: ${reason}`);
  }
  return { manifest, headFile: name, folder };
}

/** What the UI and the CLI show of a version, with why it cannot be used if it cannot. */
export async function versionInfo(project: Project, modelId: number): Promise<ModelVersion> {
  const record = getModel(project.db, modelId);
  if (!record) throw new ApiError('not_found', `no model version ${modelId} in this project`);
  return describe(project, record);
}

export async function listVersions(project: Project): Promise<ModelVersion[]> {
  return Promise.all(listModels(project.db).map((record) => describe(project, record)));
}

async function describe(project: Project, record: ModelRecord): Promise<ModelVersion> {
  const stored = record.metrics as (ModelVersion['metrics'] & { trained?: ModelVersion['trained'] }) | null;
  return {
    id: record.id,
    parentId: record.parentId,
    name: record.name,
    pack: record.pack,
    classes: record.classes,
    active: record.active,
    createdAt: record.createdAt,
    trained: stored?.trained ?? null,
    metrics: stored
      ? { valMAP: stored.valMAP, valImages: stored.valImages, perClass: stored.perClass }
      : null,
    problem: await versionProblem(project, record),
  };
}
