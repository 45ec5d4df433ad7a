// Label operations: a person's changes and the bulk actions, each one undoable action whose photos
// are announced; undo and redo replay them.
import { ApiError } from '$shared/rpc';
import { listClasses } from '../db/classes';
import { applyLabelChanges, redoLastAction, undoLastAction } from '../db/labels';
import { previewConfirm } from '../library/confirm-preview';
import { acceptPredictions, confirmPhotos, rejectUnlabelled } from '../library/labeling';
import { requireImages, type StudioSession } from '../session';
import type { Implementation } from './implementation';

export const labelOperations = (session: StudioSession) => {
  const replayed = (outcome: { description: string; imageIds: number[] } | null) =>
    outcome && session.labelsChanged({ ...outcome, changed: outcome.imageIds.length });
  return {
    setLabels: async ({ changes, description, reviewed }) => {
      const { db } = session.requireOpen().project;
      // Only live classes (not deleted by a merge) and photos of this project take labels.
      const live = new Set(listClasses(db, { includeArchived: true }).map((c) => c.id));
      const badClass = changes.find((change) => !live.has(change.classId));
      if (badClass) throw new ApiError('not_found', `no class ${badClass.classId} in this project`);
      requireImages(
        db,
        changes.map((change) => change.imageId),
      );
      const text =
        description ?? (changes.length === 1 ? 'change a label' : `change ${changes.length} labels`);
      // Marked as the person's one at a time, as they are written: no second array of 100,000.
      const asHuman = function* () {
        for (const change of changes) yield { ...change, source: 'human' as const };
      };
      return session.labelsChanged(applyLabelChanges(db, text, asHuman(), { reviewed: reviewed ?? false }));
    },
    acceptPredictions: async ({ imageIds }) =>
      session.labelsChanged(acceptPredictions(...session.photosOfProject(imageIds))),
    rejectUnlabelled: async ({ imageIds }) =>
      session.labelsChanged(rejectUnlabelled(...session.photosOfProject(imageIds))),
    confirmPhotos: async ({ imageIds }) =>
      session.labelsChanged(confirmPhotos(...session.photosOfProject(imageIds))),
    previewConfirm: async ({ imageIds }) => previewConfirm(...session.photosOfProject(imageIds)),
    undo: async () => replayed(undoLastAction(session.requireOpen().project.db)),
    redo: async () => replayed(redoLastAction(session.requireOpen().project.db)),
  } satisfies Partial<Implementation>;
};
