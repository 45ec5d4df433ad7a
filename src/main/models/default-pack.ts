// The default model pack, coco80-centernet: @vladmandic/human's CenterNet (MobileNetV3 backbone,
// trained on COCO; MIT) converted from its tfjs graph model to ONNX at install time, with the
// training-free CSRA readout over its per-location class scores as the image-level logits.
//
//   image      float32 [N, 512, 512, 3]   raw RGB 0–255, NHWC
//   logits     float32 [N, 80]            CSRA readout of class_map (readout below)
//   class_map  float32 [N, 80, 128, 128]  sigmoid class scores per location (tower_0/keypoints),
//                                         averaged with the mirror image's ('hflip')
//   features   float32 [N, 480, 16, 16]   backbone feature (tower_0/extern1/hard_swish/mul_1)
//   class_map_pooled  [N, 80, 64, 64]     class_map max-pooled 2×2, what overlays store
//   features_mirror   [N, 480, 16, 16]    the backbone feature of the mirror image (fine-tuning's
//                                         flip augmentation: a CSRA head pools over locations, so
//                                         flipping a cached map would change nothing)
//   class_map_16      [N, 80, 16, 16]     class_map average-pooled 8×8, onto the feature's grid
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { modelsDir } from '../paths';
import { cocoClasses } from './coco';
import { appendReadout } from './csra-head';
import {
  loadPack,
  manifestFile,
  modelFile,
  parseManifest,
  readManifest,
  type PackManifest,
  type ReadoutSpec,
} from './manifest';
import { OnnxGraph } from './onnx-graph';
import { readTfjsGraphModel } from './tfjs-graph';
import { convertTfjsGraph } from './tfjs-to-onnx';

export const defaultPackName = 'coco80-centernet';

export interface PackOptions {
  readout: ReadoutSpec;
  augmentation: PackManifest['augmentation'];
}

/**
 * The CSRA readout of the default pack's logits (∞ written 99), chosen by `npm run tune:readout`
 * on half of the VOC trainval photos (6 heads, λ = 1: held-out mAP 87.3, 88.1 on all 765), with
 * the Platt calibration fitted there so that sigmoid(logit) is a probability (held-out CF1 77.8
 * and OF1 82.7 at 0.5).
 */
export const defaultReadout: ReadoutSpec = {
  lambda: 1,
  temperatures: [1, 2, 3, 4, 5, 99],
  calibration: { scale: 16.093, bias: -6.3676 },
};

export const defaultPackOptions: PackOptions = {
  readout: defaultReadout,
  // Averaging each photo with its mirror image lifts VOC mAP by about a point, for twice the work
  // (scripts/tune-readout.ts).
  augmentation: 'hflip',
};

/** Bump when the conversion or the pack's layout changes: it is part of the pack's version. */
const packFormat = 3;

const sourcePackage = '@vladmandic/human';
const sourceFiles = ['models/centernet.json', 'models/centernet.bin'];
const side = 512;

/** TF tensor names in the CenterNet graph. */
export const centernetTensors = {
  input: 'tower_0/images',
  /** sigmoid of tower_0/CenternetHead/centernet_cls_output/BiasAdd, [1,128,128,80] */
  keypoints: 'tower_0/keypoints',
  /** [1,16,16,480] */
  features: 'tower_0/extern1/hard_swish/mul_1',
};

export const defaultPackDir = (): string => join(modelsDir(), defaultPackName);

export interface SourceInfo {
  dir: string;
  version: string;
  license: string;
}

export function sourceInfo(): SourceInfo {
  // The package's exports map hides package.json: walk up from its entry point instead.
  let dir = dirname(createRequire(import.meta.url).resolve(sourcePackage));
  for (;;) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const json = JSON.parse(readFileSync(path, 'utf8')) as {
        name?: string;
        version: string;
        license: string;
      };
      if (json.name === sourcePackage) return { dir, version: json.version, license: json.license };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of ${sourcePackage}`);
    dir = parent;
  }
}

/** The manifest the pack should have, less the model's hash. */
function expectedManifest(source: SourceInfo, options: PackOptions): Omit<PackManifest, 'modelSha256'> {
  const classes = [...cocoClasses];
  const content = {
    name: defaultPackName,
    source: { package: sourcePackage, version: source.version, license: source.license, files: sourceFiles },
    input: {
      name: 'image',
      layout: 'NHWC' as const,
      size: [side, side] as [number, number],
      channels: 3,
      range: [0, 255] as [number, number],
      // Letterboxing beat stretching by about a point of VOC mAP (scripts/tune-readout.ts).
      resize: 'letterbox' as const,
      padValue: 128,
    },
    classes,
    augmentation: options.augmentation,
    outputs: {
      logits: { name: 'logits', shape: ['N', classes.length] },
      classMap: { name: 'class_map', shape: ['N', classes.length, side / 4, side / 4] },
      features: { name: 'features', shape: ['N', 480, side / 32, side / 32] },
      overlay: { name: 'class_map_pooled', shape: ['N', classes.length, side / 8, side / 8] },
      ...(options.augmentation === 'hflip'
        ? { featuresMirror: { name: 'features_mirror', shape: ['N', 480, side / 32, side / 32] } }
        : {}),
      pooledClassMap: { name: 'class_map_16', shape: ['N', classes.length, side / 32, side / 32] },
      zeroShot: { name: 'logits', shape: ['N', classes.length] },
    },
    readout: options.readout,
  };
  // The version names everything that shapes the model's answers, so a pack built differently is
  // a different model version and never passes for the old one.
  const digest = createHash('sha256')
    .update(JSON.stringify({ packFormat, content }))
    .digest('hex')
    .slice(0, 8);
  return { ...content, version: `${packFormat}.${digest}` };
}

/** The default pack's network in a graph: what its outputs and a trained version's are computed from. */
export interface DefaultNetwork {
  /** [N, 80, 128, 128] class scores per location (mirror-averaged with 'hflip') */
  classMap: string;
  /** [N, 480, 16, 16] backbone feature of the photo */
  features: string;
  /** [N, 480, 16, 16] backbone feature of its mirror image, with 'hflip' */
  featuresMirror?: string;
  /** [N, 80] the CSRA readout's calibrated logits over classMap */
  zeroShot: string;
}

/** Converts CenterNet into `graph` (whose input `input.name` exists) and appends the readout. */
export async function appendDefaultNetwork(
  graph: OnnxGraph,
  inputName: string,
  options: PackOptions = defaultPackOptions,
  source: SourceInfo = sourceInfo(),
): Promise<DefaultNetwork> {
  const model = await readTfjsGraphModel(join(source.dir, sourceFiles[0]!));
  const flip = options.augmentation === 'hflip';
  // With 'hflip' the network sees 2N images: the batch, then its mirror images.
  const networkInput = flip
    ? graph.op('Concat', [inputName, mirror(graph, inputName, 2)], { axis: 0 })
    : inputName;
  const [keypoints, features] = convertTfjsGraph(graph, model, {
    inputs: { [centernetTensors.input]: networkInput },
    outputs: [centernetTensors.keypoints, centernetTensors.features],
  });
  let network: Omit<DefaultNetwork, 'zeroShot'> = { classMap: keypoints!, features: features! };
  if (flip) {
    const [direct, mirrored] = graph.node('Split', [keypoints!], { axis: 0 }, { outputs: 2 }) as [
      string,
      string,
    ];
    const sum = graph.op('Add', [direct, mirror(graph, mirrored, 3)]);
    const [photo, mirrorImage] = graph.node('Split', [features!], { axis: 0 }, { outputs: 2 }) as [
      string,
      string,
    ];
    network = {
      classMap: graph.op('Mul', [sum, graph.floats('half', [0.5], [])]),
      features: photo,
      featuresMirror: mirrorImage,
    };
  }
  return { ...network, zeroShot: appendReadout(graph, network.classMap, options.readout) };
}

/** Converts CenterNet and appends the readout: the ONNX model's bytes. */
export async function buildDefaultModel(
  options: PackOptions = defaultPackOptions,
  source: SourceInfo = sourceInfo(),
): Promise<Uint8Array> {
  const manifest = expectedManifest(source, options);
  const { input, outputs } = manifest;
  const graph = new OnnxGraph(defaultPackName);
  graph.input(input.name, ['N', ...input.size, input.channels]);
  const network = await appendDefaultNetwork(graph, input.name, options, source);
  const named = (tensor: string, output: { name: string }) =>
    graph.node('Identity', [tensor], {}, { outputNames: [output.name] })[0]!;
  const classMap = named(network.classMap, outputs.classMap);
  named(network.features, outputs.features);
  named(network.zeroShot, outputs.logits);
  if (network.featuresMirror && outputs.featuresMirror) named(network.featuresMirror, outputs.featuresMirror);
  appendMapOutputs(graph, classMap, outputs);
  for (const output of Object.values(outputs))
    if (output !== outputs.zeroShot) graph.output(output.name, output.shape);
  return graph.encode({
    source: `${sourcePackage}@${source.version} ${sourceFiles.join(' ')}`,
    license: source.license,
    pack: `${manifest.name}@${manifest.version}`,
  });
}

/**
 * What overlays store, the class map max-pooled 2×2 (a quarter of the bytes to copy out per photo),
 * and what the feature cache keeps, the class map average-pooled onto the feature's 16×16 grid.
 */
function appendMapOutputs(graph: OnnxGraph, classMap: string, outputs: PackManifest['outputs']): void {
  graph.node(
    'MaxPool',
    [classMap],
    { kernel_shape: [2, 2], strides: [2, 2] },
    { outputNames: [outputs.overlay.name] },
  );
  if (outputs.pooledClassMap)
    graph.node(
      'AveragePool',
      [classMap],
      { kernel_shape: [8, 8], strides: [8, 8] },
      { outputNames: [outputs.pooledClassMap.name] },
    );
}

/** A tensor reversed along one axis. */
export function mirror(graph: OnnxGraph, tensor: string, axis: number): string {
  return graph.op('Slice', [
    tensor,
    graph.int64s('mirror_start', [-1]),
    graph.int64s('mirror_end', [-(2 ** 63)]),
    graph.int64s('mirror_axis', [axis]),
    graph.int64s('mirror_step', [-1]),
  ]);
}

/** Builds the pack into `dir` (replacing what is there); returns its manifest. */
export async function buildDefaultPack(
  dir: string = defaultPackDir(),
  options: PackOptions = defaultPackOptions,
): Promise<PackManifest> {
  const source = sourceInfo();
  const bytes = await buildDefaultModel(options, source);
  const manifest = parseManifest({
    ...expectedManifest(source, options),
    modelSha256: createHash('sha256').update(bytes).digest('hex'),
  });
  await mkdir(dir, { recursive: true });
  // The manifest goes last, so an interrupted build leaves a pack that fails to load, never a
  // manifest describing a model that is not there.
  await rm(join(dir, manifestFile), { force: true });
  await writeAtomically(join(dir, modelFile), bytes);
  await writeAtomically(join(dir, manifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Builds the pack unless `dir` already holds it for this source version and readout, with a model
 * matching its manifest. Fast when it does (one hash of model.onnx).
 */
export async function ensureDefaultPack(
  dir: string = defaultPackDir(),
  options: PackOptions = defaultPackOptions,
): Promise<{ built: boolean; manifest: PackManifest }> {
  const expected = expectedManifest(sourceInfo(), options);
  try {
    const current = await readManifest(dir);
    const { modelSha256: _, ...rest } = current;
    if (isDeepStrictEqual(rest, expected)) {
      await loadPack(dir);
      return { built: false, manifest: current };
    }
  } catch {
    // missing, stale or broken: rebuild
  }
  return { built: true, manifest: await buildDefaultPack(dir, options) };
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}
