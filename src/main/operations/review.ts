// Review operations: the review queues and their counts, and the tuned thresholds.
import { useThresholds } from '../db/classes';
import { reviewCounts, reviewQueue } from '../review/queues';
import { tuneThresholds } from '../review/thresholds';
import type { StudioSession } from '../session';
import type { Implementation } from './implementation';

export const reviewOperations = (session: StudioSession) =>
  ({
    tuneThresholds: async (input) => {
      const tuned = tuneThresholds(session.requireOpen().project, input);
      session.publish({ type: 'classes' });
      return tuned;
    },
    useThresholds: async ({ source, classIds }) => {
      const { db } = session.requireOpen().project;
      const classes = useThresholds(db, source, classIds);
      session.publish({ type: 'classes' });
      return classes;
    },
    listReviewQueue: async (request) => reviewQueue(session.requireOpen().project, request),
    reviewCounts: async () => reviewCounts(session.requireOpen().project),
  }) satisfies Partial<Implementation>;
