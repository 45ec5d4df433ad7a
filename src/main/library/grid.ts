import type { OpOutput } from '../../shared/contract';
import { listClasses } from '../db/classes';
import { countImages, imagePage } from '../db/images';
import { activeModel } from '../db/models';
import { predictionScores } from '../db/predictions';
import { projectClassMapping } from '../inference/class-mapping';
import type { Project } from '../project';

/** A page of the library grid: photos with their labels and the active model's probabilities. */
export function gridPage(project: Project, offset: number, limit: number): OpOutput<'listImages'> {
  const { db } = project;
  const images = imagePage(db, offset, limit);
  const model = activeModel(db);
  const mapping = model ? projectClassMapping(listClasses(db), model.classes) : [];
  const scores =
    model && mapping.length > 0
      ? predictionScores(
          db,
          model.id,
          images.map((image) => image.id),
        )
      : new Map<number, Float32Array>();
  return {
    total: countImages(db),
    images: images.map((image) => {
      const row = scores.get(image.id);
      return {
        ...image,
        predictions: row
          ? mapping.map((entry) => ({ classId: entry.classId, probability: row[entry.modelIndex]! }))
          : [],
      };
    }),
  };
}
