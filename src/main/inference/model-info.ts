// The active model for the UI (the default pack when a project has none yet) and a photo's class maps.
import type { ClassMaps, ModelInfo } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { listClasses } from '../db/classes';
import { activeModel, ensurePackModel, getModel, setActiveModel, type ModelRecord } from '../db/models';
import { defaultPackName } from '../models/default-pack';
import { countPredictions, predictionMaps, predictionScores } from '../db/predictions';
import type { Project } from '../project';
import { projectClassMapping } from './output-mapping';
import { decodeClassMaps } from './attention-maps';
import { defaultPackInfo } from './model-host';

/** The default pack as a model version outside any project (`predict` on a bare folder). */
export async function defaultPackModel(): Promise<Pick<ModelRecord, 'pack' | 'headFile' | 'classes'>> {
  const pack = await defaultPackInfo();
  return { pack: `${pack.name}@${pack.version}`, headFile: null, classes: pack.classes };
}

/**
 * The project's active model. A project without one gets the default pack as its first version;
 * one still on an older build of the default pack moves to the current build (a new version, so
 * the old predictions stay attributed to the model that made them).
 */
export async function ensureDefaultModel(project: Project): Promise<ModelRecord> {
  const { db } = project;
  const active = activeModel(db);
  if (active && (active.headFile !== null || !active.pack.startsWith(`${defaultPackName}@`))) return active;
  const pack = await defaultPackInfo();
  // The project may have been closed while the manifest was read.
  if (!db.open) throw new ApiError('no_project', 'the project was closed');
  if (active?.pack === `${pack.name}@${pack.version}`) return active;
  const current = ensurePackModel(db, pack);
  if (!current.active) setActiveModel(db, current.id);
  return getModel(db, current.id)!;
}

export async function modelInfo(project: Project, provider: string | null): Promise<ModelInfo> {
  const { db } = project;
  const model = await ensureDefaultModel(project);
  return {
    id: model.id,
    name: model.name,
    pack: model.pack,
    classes: model.classes,
    mapping: projectClassMapping(listClasses(db), model).map((entry) => ({
      classId: entry.classId,
      modelClass: model.classes[entry.modelIndex]!,
    })),
    predicted: countPredictions(db, model.id),
    provider,
  };
}

/** The stored class maps of a photo, for the project classes the active model predicts. */
export function classMapsOf(project: Project, imageId: number): ClassMaps {
  const { db } = project;
  const model = activeModel(db);
  const blob = model && predictionMaps(db, model.id, imageId);
  if (!model || !blob)
    throw new ApiError('not_found', `photo ${imageId} has no prediction from the active model`);
  const scores = predictionScores(db, model.id, [imageId]).get(imageId)!;
  const byModelIndex = new Map(
    projectClassMapping(listClasses(db), model).map((entry) => [entry.modelIndex, entry.classId]),
  );
  const maps = decodeClassMaps(blob);
  return {
    imageId,
    size: maps[0]?.size ?? 0,
    maps: maps.flatMap((map) => {
      const classId = byModelIndex.get(map.classIndex);
      if (classId === undefined) return [];
      return [
        {
          classId,
          probability: scores[map.classIndex]!,
          peak: map.peak,
          values: Buffer.from(map.values).toString('base64'),
        },
      ];
    }),
  };
}
