// Numbered migrations, applied in order on open. PRAGMA user_version holds the number of the last
// one applied; a migration is never edited once released, only followed by a new one in a file of
// its own (released.test.ts holds the hash of each released one).
import type { Migration } from './migration';
import { migration as initialSchema } from './0001-initial-schema';
import { migration as classMapsWithPredictions } from './0002-class-maps-with-predictions';
import { migration as labelingWorkspace } from './0003-labeling-workspace';
import { migration as classMapsApartFromScores } from './0004-class-maps-apart-from-scores';
import { migration as projectIdentityAndJobLeases } from './0005-project-identity-and-job-leases';
import { migration as classScoreIndex } from './0006-class-score-index';
import { migration as thresholdsTunedOnVal } from './0007-thresholds-tuned-on-val';
import { migration as reviewTallies } from './0008-review-tallies';
import { migration as labelInsertsTalliedIfPredicted } from './0009-label-inserts-tallied-if-predicted';
import { migration as reviewTriggersForSqlite337 } from './0010-review-triggers-for-sqlite-3-37';
import { migration as reviewTalliesPerVersion } from './0011-review-tallies-per-version';

export type { Migration } from './migration';

export const migrations: Migration[] = [
  initialSchema,
  classMapsWithPredictions,
  labelingWorkspace,
  classMapsApartFromScores,
  projectIdentityAndJobLeases,
  classScoreIndex,
  thresholdsTunedOnVal,
  reviewTallies,
  labelInsertsTalliedIfPredicted,
  reviewTriggersForSqlite337,
  reviewTalliesPerVersion,
];

export const schemaVersion = migrations.length;
