// Photo operations: the grid's pages, the ids a filter selects, and one photo.
import { gridIds, gridImage, gridPage } from '../library/grid';
import type { StudioSession } from '../session';
import type { Implementation } from './implementation';

export const imageOperations = (session: StudioSession) =>
  ({
    listImages: async (request) => gridPage(session.requireOpen().project, request),
    listImageIds: async ({ filter, sort }) => ({ ids: gridIds(session.requireOpen().project, filter, sort) }),
    getImage: async ({ imageId }) => gridImage(session.requireOpen().project, imageId),
  }) satisfies Partial<Implementation>;
