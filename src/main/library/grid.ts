// The library grid: pages of photos by filter and order, with the active model's probabilities.
import type { ClassInfo, ImageFilter, ImageSort, ImageSummary, OpOutput } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { listClasses } from '../db/classes';
import { syncClassScores } from '../db/class-scores';
import { countMatching, imagePage, imagesById, matchingIds, type ImageQuery } from '../db/images';
import { activeModel, type ModelRecord } from '../db/models';
import { predictionScores } from '../db/predictions';
import { projectClassMapping, type ClassMappingEntry } from '../inference/output-mapping';
import type { Project } from '../project';

/** The active model and the project classes it predicts, if the project has a model yet. */
export function projectModel(
  project: Project,
  classes: readonly ClassInfo[] = listClasses(project.db),
): { model: ModelRecord; mapping: ClassMappingEntry[] } | null {
  const model = activeModel(project.db);
  return model ? { model, mapping: projectClassMapping(classes, model) } : null;
}

type ActiveModel = ReturnType<typeof projectModel>;

/** Keeps the probability index on the active model's predictions of the project classes it predicts. */
export function indexScores(project: Project, active: ActiveModel = projectModel(project)): void {
  syncClassScores(project.db, active?.model.id ?? null, active?.mapping ?? []);
}

function queryOf(active: ActiveModel, filter: ImageFilter | undefined, sort: ImageSort): ImageQuery {
  return {
    sort,
    ...(filter ? { filter } : {}),
    ...(active
      ? {
          model: {
            id: active.model.id,
            indexOf: new Map(active.mapping.map((m) => [m.classId, m.modelIndex])),
          },
        }
      : {}),
  };
}

/** Photos with the active model's probability for each project class it predicts. */
function withPredictions(
  project: Project,
  active: ActiveModel,
  images: Omit<ImageSummary, 'predictions'>[],
): ImageSummary[] {
  const scores =
    active && active.mapping.length > 0
      ? predictionScores(
          project.db,
          active.model.id,
          images.map((image) => image.id),
        )
      : new Map<number, Float32Array>();
  return images.map((image) => {
    const row = scores.get(image.id);
    return {
      ...image,
      predictions: row
        ? active!.mapping.map((entry) => ({ classId: entry.classId, probability: row[entry.modelIndex]! }))
        : [],
    };
  });
}

/** A page of the library grid: photos matching the filter, in order, with labels and probabilities. */
export function gridPage(
  project: Project,
  request: { offset: number; limit: number; filter?: ImageFilter; sort: ImageSort },
): OpOutput<'listImages'> {
  const active = projectModel(project);
  const query = queryOf(active, request.filter, request.sort);
  return {
    total: countMatching(project.db, query),
    images: withPredictions(project, active, imagePage(project.db, request.offset, request.limit, query)),
  };
}

export function gridIds(project: Project, filter: ImageFilter | undefined, sort: ImageSort): number[] {
  return matchingIds(project.db, queryOf(projectModel(project), filter, sort));
}

export function gridImage(project: Project, imageId: number): ImageSummary {
  const [image] = withPredictions(project, projectModel(project), imagesById(project.db, [imageId]));
  if (!image) throw new ApiError('not_found', `no photo ${imageId} in this project`);
  return image;
}
