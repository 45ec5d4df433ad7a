// Numbered migrations, applied in order on open. PRAGMA user_version holds the number of the last
// one applied; a migration is never edited once released, only followed by a new one.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * What a new label adds to the review tallies (and to its photo's labelled flag): the body of the
 * labels_insert_tallied trigger, as migration 8 made it and migration 9 made it again behind a WHEN.
 */
const labelInsertTallied = `BEGIN
        UPDATE predictions SET labelled = 1 WHERE image_id = new.image_id AND labelled = 0;
        UPDATE review_tallies AS t SET labelled_above = t.labelled_above + (s.probability >= t.threshold),
               labelled_below = t.labelled_below + (s.probability < t.threshold),
               disputed_above = t.disputed_above + (new.source IN ('human', 'imported') AND new.reviewed_model_id IS NOT t.model_id
                 AND new.state = 'negative' AND s.probability >= t.threshold),
               disputed_below = t.disputed_below + (new.source IN ('human', 'imported') AND new.reviewed_model_id IS NOT t.model_id
                 AND new.state = 'positive' AND s.probability < t.threshold)
          FROM class_scores s
         WHERE t.class_id = new.class_id
           AND s.image_id = new.image_id AND s.class_id = new.class_id AND s.model_id = t.model_id;
      END;`;

/**
 * Migration 10's trigger step that counts a label row (`new` or `old`) into the review tallies
 * (`sign` '+') or out of them ('-'): the table updated is named in full, as SQLite up to 3.49 at
 * least reads no alias on it inside a trigger.
 */
const tallyLabel = (row: 'new' | 'old', sign: '+' | '-') => `
        UPDATE review_tallies SET
               labelled_above = labelled_above ${sign} (s.probability >= threshold),
               labelled_below = labelled_below ${sign} (s.probability < threshold),
               disputed_above = disputed_above ${sign} (${row}.source IN ('human', 'imported')
                 AND ${row}.reviewed_model_id IS NOT review_tallies.model_id
                 AND ${row}.state = 'negative' AND s.probability >= threshold),
               disputed_below = disputed_below ${sign} (${row}.source IN ('human', 'imported')
                 AND ${row}.reviewed_model_id IS NOT review_tallies.model_id
                 AND ${row}.state = 'positive' AND s.probability < threshold)
          FROM class_scores s
         WHERE review_tallies.class_id = ${row}.class_id
           AND s.image_id = ${row}.image_id AND s.class_id = ${row}.class_id AND s.model_id = review_tallies.model_id;`;

/** Migration 10's step that counts a class_scores row in (`new`, '+') or out (`old`, '-'). */
const tallyScore = (row: 'new' | 'old', sign: '+' | '-') => `
        UPDATE review_tallies SET
               scored_above = scored_above ${sign} (${row}.probability >= threshold),
               scored_below = scored_below ${sign} (${row}.probability < threshold),
               labelled_above = labelled_above ${sign} (l.image_id IS NOT NULL AND ${row}.probability >= threshold),
               labelled_below = labelled_below ${sign} (l.image_id IS NOT NULL AND ${row}.probability < threshold),
               disputed_above = disputed_above ${sign} coalesce(l.source IN ('human', 'imported')
                 AND l.reviewed_model_id IS NOT review_tallies.model_id
                 AND l.state = 'negative' AND ${row}.probability >= threshold, 0),
               disputed_below = disputed_below ${sign} coalesce(l.source IN ('human', 'imported')
                 AND l.reviewed_model_id IS NOT review_tallies.model_id
                 AND l.state = 'positive' AND ${row}.probability < threshold, 0)
          FROM (SELECT 1) LEFT JOIN labels l ON l.image_id = ${row}.image_id AND l.class_id = ${row}.class_id
         WHERE review_tallies.class_id = ${row}.class_id AND review_tallies.model_id = ${row}.model_id;`;

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE images (
        id          INTEGER PRIMARY KEY,
        path        TEXT    NOT NULL UNIQUE,
        sha256      TEXT    NOT NULL UNIQUE,
        bytes       INTEGER NOT NULL,
        format      TEXT    NOT NULL,
        width       INTEGER NOT NULL,
        height      INTEGER NOT NULL,
        orientation INTEGER NOT NULL DEFAULT 1,
        split       TEXT    NOT NULL DEFAULT 'none' CHECK (split IN ('train', 'val', 'test', 'none')),
        job_id      INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        imported_at TEXT    NOT NULL
      );

      -- AUTOINCREMENT: a deleted class's id is never handed to a new class.
      CREATE TABLE classes (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT    NOT NULL,
        color       TEXT    NOT NULL,
        hotkey      TEXT,
        position    INTEGER NOT NULL,
        deleted_at  TEXT
      );
      CREATE UNIQUE INDEX classes_live_name ON classes (name) WHERE deleted_at IS NULL;

      -- No row means unknown.
      CREATE TABLE labels (
        image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        class_id    INTEGER NOT NULL REFERENCES classes (id),
        state       TEXT    NOT NULL CHECK (state IN ('positive', 'negative')),
        source      TEXT    NOT NULL CHECK (source IN ('human', 'accepted', 'imported')),
        at          TEXT    NOT NULL,
        PRIMARY KEY (image_id, class_id)
      ) WITHOUT ROWID;
      CREATE INDEX labels_by_class ON labels (class_id, state);

      CREATE TABLE jobs (
        id          INTEGER PRIMARY KEY,
        kind        TEXT    NOT NULL,
        status      TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
        phase       TEXT    NOT NULL DEFAULT '',
        done        INTEGER NOT NULL DEFAULT 0,
        total       INTEGER NOT NULL DEFAULT 0,
        error       TEXT,
        config      TEXT    NOT NULL,
        result      TEXT,
        pid         INTEGER,
        created_at  TEXT    NOT NULL,
        updated_at  TEXT    NOT NULL
      );

      -- Items a job passed over, with why: a file that is not a readable image, a duplicate, ...
      CREATE TABLE job_items (
        job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        item        TEXT    NOT NULL,
        outcome     TEXT    NOT NULL CHECK (outcome IN ('skipped', 'duplicate')),
        detail      TEXT    NOT NULL,
        PRIMARY KEY (job_id, item)
      ) WITHOUT ROWID;

      CREATE TABLE label_events (
        id          INTEGER PRIMARY KEY,
        image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        class_id    INTEGER NOT NULL REFERENCES classes (id),
        old_state   TEXT,
        new_state   TEXT,
        source      TEXT    NOT NULL,
        job_id      INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        at          TEXT    NOT NULL
      );
      CREATE INDEX label_events_by_image ON label_events (image_id);

      CREATE TABLE models (
        id          INTEGER PRIMARY KEY,
        parent_id   INTEGER REFERENCES models (id),
        name        TEXT    NOT NULL,
        pack        TEXT    NOT NULL,
        classes     TEXT    NOT NULL,
        head_file   TEXT,
        metrics     TEXT,
        active      INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
        created_at  TEXT    NOT NULL
      );
      CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active = 1;

      CREATE TABLE predictions (
        image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        scores      BLOB    NOT NULL,
        created_at  TEXT    NOT NULL,
        PRIMARY KEY (image_id, model_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'class maps with predictions',
    sql: `
      -- What a photo's attention overlay needs: its strongest class maps, downsampled and quantised.
      ALTER TABLE predictions ADD COLUMN maps BLOB;
      CREATE INDEX predictions_by_model ON predictions (model_id);
    `,
  },
  {
    version: 3,
    name: 'labeling workspace: undoable actions, class thresholds, photo dates, uncertainty',
    sql: `
      -- One row per thing a person did (a key press, a bulk edit); its label_events share its id.
      -- Undo marks it undone; a new action after an undo discards what could have been redone.
      CREATE TABLE actions (
        id          INTEGER PRIMARY KEY,
        description TEXT    NOT NULL,
        state       TEXT    NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone', 'discarded')),
        at          TEXT    NOT NULL
      );
      ALTER TABLE label_events ADD COLUMN old_source TEXT;
      ALTER TABLE label_events ADD COLUMN action_id INTEGER REFERENCES actions (id);
      CREATE INDEX label_events_by_action ON label_events (action_id);

      -- Probability from which a pre-label counts as predicted, per class.
      ALTER TABLE classes ADD COLUMN threshold REAL NOT NULL DEFAULT 0.5;
      ALTER TABLE classes ADD COLUMN archived_at TEXT;
      CREATE UNIQUE INDEX classes_live_hotkey ON classes (hotkey) WHERE deleted_at IS NULL AND hotkey IS NOT NULL;

      ALTER TABLE images ADD COLUMN modified_at TEXT;
      CREATE INDEX images_by_date ON images (modified_at, path);

      -- How unsure the model is about a photo's project classes: 1 − min |2p − 1|.
      ALTER TABLE predictions ADD COLUMN uncertainty REAL;
      CREATE INDEX predictions_by_uncertainty ON predictions (model_id, uncertainty);
    `,
  },
  {
    version: 4,
    name: 'class maps apart from the scores',
    sql: `
      -- A photo's class maps (a few KB) sat in its prediction row, before the uncertainty column:
      -- every sort or filter by the model walked their overflow pages (40 ms for 765 photos). A
      -- prediction row is now a few hundred bytes, and the maps are read only for the overlay.
      CREATE TABLE prediction_maps (
        image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        maps        BLOB    NOT NULL,
        PRIMARY KEY (image_id, model_id)
      ) WITHOUT ROWID;
      INSERT INTO prediction_maps (image_id, model_id, maps)
        SELECT image_id, model_id, maps FROM predictions WHERE maps IS NOT NULL;
      ALTER TABLE predictions DROP COLUMN maps;
    `,
  },
  {
    version: 5,
    name: 'project identity, job leases, photos changed on disk',
    sql: `
      -- Marks the file as a CSRA Studio project ('CSRA'): another application's database is refused
      -- on open instead of being migrated into one.
      PRAGMA application_id = 1129534017;

      -- Who runs the one job of a kind a project may run at a time, across processes: taken in an
      -- immediate transaction, renewed by a heartbeat, taken over when its process is gone.
      CREATE TABLE job_leases (
        kind         TEXT    PRIMARY KEY,
        job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        pid          INTEGER NOT NULL,
        heartbeat_at TEXT    NOT NULL
      ) WITHOUT ROWID;

      -- Set when a photo's file no longer is the file the import read (another size or date, or a
      -- link swapped in): the photo is not served, and the grid marks it.
      ALTER TABLE images ADD COLUMN changed_on_disk_at TEXT;
    `,
  },
  {
    version: 6,
    name: 'per-class probability index of the predictions',
    sql: `
      -- The active version's probability of each project class it predicts, one row per (class,
      -- photo), kept with the predictions: a probability filter or a review queue reads the range it
      -- needs from the index instead of decoding every photo's scores. The active version's only:
      -- another version's rows would cost as much again and serve no query.
      CREATE TABLE class_scores (
        model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        class_id    INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
        probability REAL    NOT NULL,
        image_id    INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        PRIMARY KEY (model_id, class_id, probability, image_id)
      ) WITHOUT ROWID;
      CREATE INDEX class_scores_by_image ON class_scores (image_id);
      -- Which model output each class's rows were read from: what class_scores holds, so that a
      -- change of the active version or of the classes it predicts rewrites only what changed.
      CREATE TABLE class_score_sources (
        class_id    INTEGER PRIMARY KEY REFERENCES classes (id) ON DELETE CASCADE,
        model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        model_index INTEGER NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'thresholds tuned on val',
    sql: `
      -- Each class's threshold chosen on the val split for a version, by a rule (best F1, or the
      -- lowest threshold reaching a precision), with what it achieved there.
      CREATE TABLE class_thresholds (
        model_id    INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        class_id    INTEGER NOT NULL REFERENCES classes (id),
        threshold   REAL    NOT NULL,
        rule        TEXT    NOT NULL,
        precision   REAL,
        recall      REAL,
        f1          REAL,
        val_labels  INTEGER NOT NULL,
        tuned_at    TEXT    NOT NULL,
        PRIMARY KEY (model_id, class_id)
      ) WITHOUT ROWID;
      -- Which threshold a class uses: the hand-set one, or the one tuned for the active version.
      ALTER TABLE classes ADD COLUMN threshold_source TEXT NOT NULL DEFAULT 'manual'
        CHECK (threshold_source IN ('manual', 'tuned'));
      -- The one rule for the threshold a class uses, for every query that decides by it: the tuned
      -- one when the class says so and the active version has one, else the hand-set one.
      CREATE VIEW class_threshold_in_use AS
        SELECT c.id AS class_id, c.threshold AS manual_threshold, t.threshold AS tuned_threshold,
               c.threshold_source AS source,
               CASE WHEN c.threshold_source = 'tuned' AND t.threshold IS NOT NULL
                    THEN t.threshold ELSE c.threshold END AS threshold
          FROM classes c
          LEFT JOIN models m ON m.active = 1
          LEFT JOIN class_thresholds t ON t.model_id = m.id AND t.class_id = c.id;
    `,
  },
  {
    version: 8,
    name: 'review queue tallies, labels settled in review',
    sql: `
      -- The version a person had in view when deciding a label in review: that version no longer
      -- disputes it (the disputed queue would bring a label kept on purpose back for ever). Set by
      -- review decisions only; a later change of the label's state or source clears it.
      ALTER TABLE labels ADD COLUMN reviewed_model_id INTEGER REFERENCES models (id) ON DELETE SET NULL;
      ALTER TABLE label_events ADD COLUMN old_reviewed_model_id INTEGER;
      ALTER TABLE label_events ADD COLUMN reviewed_model_id INTEGER;

      -- Whether the photo has a label: the 'next' queue (unlabelled photos by uncertainty) is then a
      -- range of one partial index, read in its order and counted without probing labels.
      ALTER TABLE predictions ADD COLUMN labelled INTEGER NOT NULL DEFAULT 0;
      UPDATE predictions SET labelled = 1 WHERE image_id IN (SELECT image_id FROM labels);
      CREATE INDEX predictions_unlabelled ON predictions (model_id, uncertainty) WHERE labelled = 0;
      CREATE TRIGGER predictions_labelled AFTER INSERT ON predictions
        WHEN EXISTS (SELECT 1 FROM labels WHERE image_id = new.image_id)
      BEGIN
        UPDATE predictions SET labelled = 1 WHERE image_id = new.image_id AND model_id = new.model_id;
      END;

      -- A photo's probability of a class is looked up by both (label writes keep the tallies below).
      DROP INDEX class_scores_by_image;
      CREATE INDEX class_scores_by_image ON class_scores (image_id, class_id);

      -- Per class, what the review queues count over the index rows of model_id, on each side of
      -- threshold (above: probability >= threshold): the rows, those whose photo has a label of the
      -- class, and the labels the model disputes there (negatives above, positives below; the rule
      -- is disputedLabel in review-tallies.ts). Kept by the triggers below; when read, a missing row
      -- or one of another version is counted (none here: the first queue read counts them), one at
      -- another threshold moved to the one in use. A class's row is dropped while its index rows are
      -- rewritten wholesale, so that those rows pass the triggers at the cost of one probe.
      CREATE TABLE review_tallies (
        class_id       INTEGER PRIMARY KEY REFERENCES classes (id) ON DELETE CASCADE,
        model_id       INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        threshold      REAL    NOT NULL,
        scored_above   INTEGER NOT NULL,
        scored_below   INTEGER NOT NULL,
        labelled_above INTEGER NOT NULL,
        labelled_below INTEGER NOT NULL,
        disputed_above INTEGER NOT NULL,
        disputed_below INTEGER NOT NULL
      );

      CREATE TRIGGER labels_insert_tallied AFTER INSERT ON labels
      ${labelInsertTallied}
      CREATE TRIGGER labels_delete_tallied AFTER DELETE ON labels
      BEGIN
        UPDATE predictions SET labelled = 0 WHERE image_id = old.image_id AND labelled = 1
           AND NOT EXISTS (SELECT 1 FROM labels WHERE image_id = old.image_id);
        UPDATE review_tallies AS t SET labelled_above = t.labelled_above - (s.probability >= t.threshold),
               labelled_below = t.labelled_below - (s.probability < t.threshold),
               disputed_above = t.disputed_above - (old.source IN ('human', 'imported') AND old.reviewed_model_id IS NOT t.model_id
                 AND old.state = 'negative' AND s.probability >= t.threshold),
               disputed_below = t.disputed_below - (old.source IN ('human', 'imported') AND old.reviewed_model_id IS NOT t.model_id
                 AND old.state = 'positive' AND s.probability < t.threshold)
          FROM class_scores s
         WHERE t.class_id = old.class_id
           AND s.image_id = old.image_id AND s.class_id = old.class_id AND s.model_id = t.model_id;
      END;
      CREATE TRIGGER labels_update_tallied AFTER UPDATE ON labels
      BEGIN
        UPDATE review_tallies AS t SET labelled_above = t.labelled_above - (s.probability >= t.threshold),
               labelled_below = t.labelled_below - (s.probability < t.threshold),
               disputed_above = t.disputed_above - (old.source IN ('human', 'imported') AND old.reviewed_model_id IS NOT t.model_id
                 AND old.state = 'negative' AND s.probability >= t.threshold),
               disputed_below = t.disputed_below - (old.source IN ('human', 'imported') AND old.reviewed_model_id IS NOT t.model_id
                 AND old.state = 'positive' AND s.probability < t.threshold)
          FROM class_scores s
         WHERE t.class_id = old.class_id
           AND s.image_id = old.image_id AND s.class_id = old.class_id AND s.model_id = t.model_id;
        UPDATE review_tallies AS t SET labelled_above = t.labelled_above + (s.probability >= t.threshold),
               labelled_below = t.labelled_below + (s.probability < t.threshold),
               disputed_above = t.disputed_above + (new.source IN ('human', 'imported') AND new.reviewed_model_id IS NOT t.model_id
                 AND new.state = 'negative' AND s.probability >= t.threshold),
               disputed_below = t.disputed_below + (new.source IN ('human', 'imported') AND new.reviewed_model_id IS NOT t.model_id
                 AND new.state = 'positive' AND s.probability < t.threshold)
          FROM class_scores s
         WHERE t.class_id = new.class_id
           AND s.image_id = new.image_id AND s.class_id = new.class_id AND s.model_id = t.model_id;
      END;
      CREATE TRIGGER class_scores_insert_tallied AFTER INSERT ON class_scores
        WHEN EXISTS (SELECT 1 FROM review_tallies WHERE class_id = new.class_id)
      BEGIN
        UPDATE review_tallies AS t SET
               scored_above = t.scored_above + (new.probability >= t.threshold),
               scored_below = t.scored_below + (new.probability < t.threshold),
               labelled_above = t.labelled_above + (l.image_id IS NOT NULL AND new.probability >= t.threshold),
               labelled_below = t.labelled_below + (l.image_id IS NOT NULL AND new.probability < t.threshold),
               disputed_above = t.disputed_above + coalesce(l.source IN ('human', 'imported') AND l.reviewed_model_id IS NOT t.model_id
                 AND l.state = 'negative' AND new.probability >= t.threshold, 0),
               disputed_below = t.disputed_below + coalesce(l.source IN ('human', 'imported') AND l.reviewed_model_id IS NOT t.model_id
                 AND l.state = 'positive' AND new.probability < t.threshold, 0)
          FROM (SELECT 1) LEFT JOIN labels l ON l.image_id = new.image_id AND l.class_id = new.class_id
         WHERE t.class_id = new.class_id AND t.model_id = new.model_id;
      END;
      CREATE TRIGGER class_scores_delete_tallied AFTER DELETE ON class_scores
        WHEN EXISTS (SELECT 1 FROM review_tallies WHERE class_id = old.class_id)
      BEGIN
        UPDATE review_tallies AS t SET
               scored_above = t.scored_above - (old.probability >= t.threshold),
               scored_below = t.scored_below - (old.probability < t.threshold),
               labelled_above = t.labelled_above - (l.image_id IS NOT NULL AND old.probability >= t.threshold),
               labelled_below = t.labelled_below - (l.image_id IS NOT NULL AND old.probability < t.threshold),
               disputed_above = t.disputed_above - coalesce(l.source IN ('human', 'imported') AND l.reviewed_model_id IS NOT t.model_id
                 AND l.state = 'negative' AND old.probability >= t.threshold, 0),
               disputed_below = t.disputed_below - coalesce(l.source IN ('human', 'imported') AND l.reviewed_model_id IS NOT t.model_id
                 AND l.state = 'positive' AND old.probability < t.threshold, 0)
          FROM (SELECT 1) LEFT JOIN labels l ON l.image_id = old.image_id AND l.class_id = old.class_id
         WHERE t.class_id = old.class_id AND t.model_id = old.model_id;
      END;
    `,
  },
  {
    version: 9,
    name: 'label inserts tallied only for predicted photos',
    sql: `
      -- Both updates of this trigger concern photos with predictions (their labelled flag, and the
      -- tallies counted over class_scores, which exist only for predicted photos). Skipping the rest
      -- at the WHEN clause takes a third off writing a large label file into a fresh project.
      DROP TRIGGER labels_insert_tallied;
      CREATE TRIGGER labels_insert_tallied AFTER INSERT ON labels
        WHEN EXISTS (SELECT 1 FROM predictions WHERE image_id = new.image_id)
      ${labelInsertTallied}
    `,
  },
  {
    version: 10,
    name: 'review tally triggers that SQLite 3.37 reads',
    sql: `
      -- Migrations 8 and 9 wrote "UPDATE review_tallies AS t" inside triggers: SQLite refuses an alias
      -- there up to 3.49 at least (3.53 reads it), so Debian 12's sqlite3 and Python (3.40) and
      -- Ubuntu 22.04's (3.37) could not read the project's schema at all. The same triggers, the
      -- table named in full; UPDATE … FROM inside a trigger is read since 3.33.
      DROP TRIGGER labels_insert_tallied;
      DROP TRIGGER labels_delete_tallied;
      DROP TRIGGER labels_update_tallied;
      DROP TRIGGER class_scores_insert_tallied;
      DROP TRIGGER class_scores_delete_tallied;
      CREATE TRIGGER labels_insert_tallied AFTER INSERT ON labels
        WHEN EXISTS (SELECT 1 FROM predictions WHERE image_id = new.image_id)
      BEGIN
        UPDATE predictions SET labelled = 1 WHERE image_id = new.image_id AND labelled = 0;${tallyLabel('new', '+')}
      END;
      CREATE TRIGGER labels_delete_tallied AFTER DELETE ON labels
      BEGIN
        UPDATE predictions SET labelled = 0 WHERE image_id = old.image_id AND labelled = 1
           AND NOT EXISTS (SELECT 1 FROM labels WHERE image_id = old.image_id);${tallyLabel('old', '-')}
      END;
      CREATE TRIGGER labels_update_tallied AFTER UPDATE ON labels
      BEGIN${tallyLabel('old', '-')}${tallyLabel('new', '+')}
      END;
      CREATE TRIGGER class_scores_insert_tallied AFTER INSERT ON class_scores
        WHEN EXISTS (SELECT 1 FROM review_tallies WHERE class_id = new.class_id)
      BEGIN${tallyScore('new', '+')}
      END;
      CREATE TRIGGER class_scores_delete_tallied AFTER DELETE ON class_scores
        WHEN EXISTS (SELECT 1 FROM review_tallies WHERE class_id = old.class_id)
      BEGIN${tallyScore('old', '-')}
      END;
    `,
  },
];

export const schemaVersion = migrations.length;
