// What confirming photos would do, said before it is done: a bulk confirm of many photos (the most
// confident of the grid, say) shows its figures first, computed by the very changes confirmPhotos
// would apply.
import type { ConfirmPreview } from '$shared/contract';
import { predictionScores } from '../db/predictions';
import type { Project } from '../project';
import { projectModel } from './grid';
import { confirmChanges } from './labeling';

export function previewConfirm(project: Project, imageIds: readonly number[]): ConfirmPreview {
  const { accepted, negatives } = confirmChanges(project, imageIds);
  const active = projectModel(project);
  const predicted = active ? predictionScores(project.db, active.model.id, imageIds).size : 0;
  return {
    photos: imageIds.length,
    labels: accepted.length + negatives.length,
    accepted: accepted.length,
    negatives: negatives.length,
    unpredicted: imageIds.length - predicted,
  };
}
