// A model pack is a folder: model.onnx and manifest.json, which says what the model takes and gives
// (input size and range, classes, output tensors), where its weights came from, the CSRA readout
// its logits use, and the sha256 of model.onnx. Loading a pack checks all of it and fails with a
// specific message for each way a pack can be broken.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '$shared/rpc';

export const manifestFile = 'manifest.json';
export const modelFile = 'model.onnx';

const dim = z.union([z.number().int().positive(), z.string().min(1)]);
const tensor = z.object({ name: z.string().min(1), shape: z.array(dim).min(1) });
const perClass = z.union([z.number(), z.array(z.number())]);

export const readoutSchema = z.object({
  lambda: z.number().min(0),
  /** One per head; ∞ written 99. */
  temperatures: z.array(z.number().positive()).min(1),
  calibration: z.object({ scale: perClass, bias: perClass }),
});

export const packManifestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a lowercase folder name'),
    version: z.string().min(1),
    source: z.object({
      package: z.string().min(1),
      version: z.string().min(1),
      license: z.string().min(1),
      files: z.array(z.string().min(1)).min(1),
    }),
    input: z.object({
      name: z.string().min(1),
      layout: z.literal('NHWC'),
      /** [height, width] in pixels. */
      size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
      channels: z.number().int().positive(),
      /** The range of the raw RGB values the model takes, e.g. [0, 255]. */
      range: z.tuple([z.number(), z.number()]),
      /**
       * How a photo becomes size[0]×size[1]: 'fill' stretches it; 'letterbox' scales it to fit,
       * centred on a border of `padValue` in every channel.
       */
      resize: z.enum(['fill', 'letterbox']),
      padValue: z.number().int().min(0).max(255),
    }),
    classes: z.array(z.string().min(1)).min(1),
    /** 'hflip': the model averages its class maps over the photo and its mirror image. */
    augmentation: z.enum(['none', 'hflip']),
    /**
     * overlay: the class map pooled to the size stored for attention overlays. What fine-tuning
     * caches, where the model gives it: featuresMirror, the backbone feature of the mirror image;
     * pooledClassMap, the class map pooled to the feature's grid; zeroShot, the default pack's
     * readout logits (its `logits`; a trained version blends them into its own).
     */
    outputs: z.object({
      logits: tensor,
      classMap: tensor,
      features: tensor,
      overlay: tensor,
      featuresMirror: tensor.optional(),
      pooledClassMap: tensor.optional(),
      zeroShot: tensor.optional(),
    }),
    /** `<name>@<version>` of the pack whose backbone computes `features`: the feature cache's key. */
    backbone: z.string().min(1).optional(),
    /**
     * A trained version's provenance: parent version, training configuration, backend, data
     * counts per split and class, per-class val AP, training time (see models/versions.ts).
     */
    training: z.record(z.string(), z.unknown()).optional(),
    readout: readoutSchema,
    modelSha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256'),
  })
  .superRefine((manifest, context) => {
    const classes = manifest.classes.length;
    if (new Set(manifest.classes).size !== classes)
      context.addIssue({ code: 'custom', path: ['classes'], message: 'class names must be unique' });
    if (manifest.outputs.logits.shape.at(-1) !== classes)
      context.addIssue({
        code: 'custom',
        path: ['outputs', 'logits', 'shape'],
        message: `must end with ${classes}`,
      });
    if (manifest.outputs.classMap.shape[1] !== classes)
      context.addIssue({
        code: 'custom',
        path: ['outputs', 'classMap', 'shape'],
        message: `needs ${classes} channels`,
      });
    for (const key of ['scale', 'bias'] as const) {
      const value = manifest.readout.calibration[key];
      if (Array.isArray(value) && value.length !== classes)
        context.addIssue({
          code: 'custom',
          path: ['readout', 'calibration', key],
          message: `needs one value per class (${classes})`,
        });
    }
  });

export type PackManifest = z.infer<typeof packManifestSchema>;
export type ReadoutSpec = z.infer<typeof readoutSchema>;

function badInput(message: string): ApiError {
  return new ApiError('bad_input', message);
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** The pack's manifest, validated; the model file is not looked at. */
export async function readManifest(dir: string): Promise<PackManifest> {
  if (!(await isFolder(dir))) throw badInput(`model pack ${dir} does not exist`);
  const path = join(dir, manifestFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw badInput(`model pack ${dir} has no ${manifestFile}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw badInput(`${path} is not valid JSON (${(error as Error).message})`);
  }
  return parseManifest(json, path);
}

/** Validates a manifest's JSON; `source` names it in messages. */
export function parseManifest(json: unknown, source = manifestFile): PackManifest {
  const parsed = packManifestSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(root)';
  throw badInput(`${source}: field ${field} is missing or invalid: ${issue.message}`);
}

/** The backbone whose features the pack computes: the feature cache's key. */
export function backboneOf(manifest: Pick<PackManifest, 'name' | 'version' | 'backbone'>): string {
  return manifest.backbone ?? `${manifest.name}@${manifest.version}`;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The pack's manifest and the path of its model, checked to be the model the manifest describes. */
export async function loadPack(dir: string): Promise<{ manifest: PackManifest; modelPath: string }> {
  const manifest = await readManifest(dir);
  const modelPath = join(dir, modelFile);
  let isFile = false;
  try {
    isFile = (await stat(modelPath)).isFile();
  } catch {
    // reported below
  }
  if (!isFile) throw badInput(`model pack ${dir} has no ${modelFile}`);
  const sha = await sha256File(modelPath);
  if (sha !== manifest.modelSha256)
    throw badInput(
      `model pack ${dir}: the manifest does not match its model (${modelFile} has sha256 ${sha.slice(0, 12)}…, ` +
        `the manifest says ${manifest.modelSha256.slice(0, 12)}…); rebuild it with npm run models`,
    );
  return { manifest, modelPath };
}

/** Checks that an onnxruntime session has the input and outputs the manifest names. */
export function checkSession(
  session: { readonly inputNames: readonly string[]; readonly outputNames: readonly string[] },
  manifest: PackManifest,
): void {
  const missing = (kind: string, name: string, names: readonly string[]) =>
    badInput(
      `the model of pack ${manifest.name} has no ${kind} named ${name} (it has ${names.join(', ') || 'none'}): ` +
        'the manifest does not match its model',
    );
  if (!session.inputNames.includes(manifest.input.name))
    throw missing('input', manifest.input.name, session.inputNames);
  for (const output of Object.values(manifest.outputs))
    if (output && !session.outputNames.includes(output.name))
      throw missing('output', output.name, session.outputNames);
}
