// What confirming photos would do, said before it is done: a bulk confirm of many photos (the most
// confident of the grid, say) shows its figures first, computed by the very changes confirmPhotos
// would apply.
import type { ConfirmPreview } from '$shared/contract';
import { predictionScores } from '../db/predictions';
import type { Project } from '../project';
import { projectModel } from './grid';
import { countConfirmChanges, labelChunk } from './labeling';

export function previewConfirm(project: Project, imageIds: readonly number[]): ConfirmPreview {
  const { accepted, negatives } = countConfirmChanges(project, imageIds);
  const active = projectModel(project);
  let predicted = 0;
  if (active)
    for (let start = 0; start < imageIds.length; start += labelChunk)
      predicted += predictionScores(
        project.db,
        active.model.id,
        imageIds.slice(start, start + labelChunk),
      ).size;
  return {
    photos: imageIds.length,
    labels: accepted + negatives,
    accepted,
    negatives,
    unpredicted: imageIds.length - predicted,
  };
}
