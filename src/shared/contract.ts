// The one API of CSRA Studio. Every transport (Electron IPC, the browser host's WebSocket, direct
// calls in tests and the CLI) carries exactly these operations, and main validates every request
// against its input schema before it reaches a service.
import { z } from 'zod';
import { isClassHotkey } from './hotkeys';

const Id = z.number().int().positive();
const Path = z.string().trim().min(1, 'a path is required').max(4096);

export const LabelState = z.enum(['positive', 'negative']);
export const LabelSource = z.enum(['human', 'accepted', 'imported']);
export const Split = z.enum(['train', 'val', 'test', 'none']);
export const JobKind = z.enum(['import', 'prelabel', 'train', 'switch']);
export const ActivateRule = z.enum(['better', 'always', 'never']);
export const ProviderChoice = z.enum(['auto', 'cpu', 'webgpu', 'cuda']);
/** What a VOC class with only difficult objects is: unknown, as VOC evaluation treats it, or positive. */
export const VocDifficult = z.enum(['unknown', 'positive']);
export const JobStatus = z.enum(['running', 'done', 'failed', 'cancelled', 'interrupted']);

export const ProjectInfo = z.object({
  path: z.string(),
  name: z.string(),
  schemaVersion: z.number().int(),
  imageCount: z.number().int(),
  classCount: z.number().int(),
  /**
   * Folders kept beside the project file that it needs and lacks (it was renamed or copied without
   * them), each with what is lost without it.
   */
  missingFolders: z.array(z.object({ path: z.string(), loss: z.string() })),
});

export const ClassInfo = z.object({
  id: Id,
  name: z.string(),
  color: z.string(),
  hotkey: z.string().nullable(),
  position: z.number().int(),
  /**
   * The threshold in use: probability from which the model's pre-label for this class counts. The
   * tuned one when the source is 'tuned' and the active version has one, else the hand-set one.
   */
  threshold: z.number(),
  /** The hand-set threshold (what updateClass sets). */
  manualThreshold: z.number(),
  /** Tuned on the val split for the active version, if it was. */
  tunedThreshold: z.number().nullable(),
  thresholdSource: z.enum(['manual', 'tuned']),
  archived: z.boolean(),
});

/** The most classes a project holds, archived ones included, and so the most a label file may name. */
export const maxClasses = 1_000;

const ClassName = z
  .string()
  .trim()
  .min(1, 'a class needs a name')
  .max(100)
  .refine(
    (name) => !name.includes('|'),
    'a class name cannot contain "|" (labels.csv separates classes with it)',
  );
const Color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a color like #3cb44b');
const Hotkey = z.string().refine(isClassHotkey, 'a digit or lowercase letter that no command uses');

const Ids = z.array(Id).min(1).max(100_000);

export const ImageFilter = z
  .object({
    /**
     * The class the state, probability and disagreement conditions are about. Without any of them,
     * the photos the class is on: labelled positive, or pre-labelled at its threshold in use.
     */
    classId: Id.optional(),
    state: z.enum(['positive', 'negative', 'unknown']).optional(),
    minProbability: z.number().min(0).max(1).optional(),
    maxProbability: z.number().min(0).max(1).optional(),
    /** Photos with no label at all. */
    unlabelled: z.boolean().optional(),
    /** Photos where a label (of classId's class, if given) contradicts the model at its threshold. */
    disagreement: z.boolean().optional(),
    /** Photos of one split. */
    split: Split.optional(),
    /**
     * Photos a person reviewed (true: every class labelled by a person, as confirming leaves them),
     * or not yet (false).
     */
    reviewed: z.boolean().optional(),
  })
  .strict()
  .refine(
    (filter) =>
      filter.classId !== undefined ||
      (filter.state === undefined &&
        filter.minProbability === undefined &&
        filter.maxProbability === undefined),
    'state and probability filters need a classId',
  );
/**
 * 'uncertainty': the photo's least certain project class, most uncertain first; 'confidence': most
 * confident first (confidence = 1 − uncertainty). Either way, photos without predictions last.
 */
export const ImageSort = z.enum(['name', 'date', 'uncertainty', 'confidence']);

export const LabelAction = z.object({
  description: z.string(),
  changed: z.number().int(),
  imageIds: z.array(Id),
});

/** What confirmPhotos would set on the photos, before it does. */
export const ConfirmPreview = z.object({
  photos: z.number().int(),
  /** Labels it would set: the pre-labels accepted plus the negatives. */
  labels: z.number().int(),
  accepted: z.number().int(),
  negatives: z.number().int(),
  /** Photos the active model has not predicted: confirming makes every unknown class of theirs negative. */
  unpredicted: z.number().int(),
});

export const Label = z.object({ classId: Id, state: LabelState, source: LabelSource });

export const ImageSummary = z.object({
  id: Id,
  path: z.string(),
  name: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  split: Split,
  labels: z.array(Label),
  /** The active model's probability for each project class it knows; absent before pre-labeling. */
  predictions: z.array(z.object({ classId: Id, probability: z.number() })),
  /** The file is no longer the one imported (replaced, edited, or a link swapped in): not shown. */
  changedOnDisk: z.boolean(),
});

export const JobInfo = z.object({
  id: Id,
  kind: JobKind,
  status: JobStatus,
  phase: z.string(),
  done: z.number().int(),
  total: z.number().int(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ImportReport = z.object({
  jobId: Id,
  status: JobStatus,
  found: z.number().int(),
  added: z.number().int(),
  existing: z.number().int(),
  duplicates: z.array(z.object({ path: z.string(), duplicateOf: z.string() })),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  labels: z
    .object({
      classes: z.number().int(),
      photosLabelled: z.number().int(),
      labelsWritten: z.number().int(),
      humanLabelsKept: z.number().int(),
      /** The first rows that named no photo of the folder (all of them: `unmatched`). */
      unmatchedRows: z.array(z.string()),
      /** The label file's format, as detected or named (absent: a report of before formats). */
      format: z.string().optional(),
      unmatched: z.number().int().optional(),
      classesCreated: z.array(z.string()).optional(),
      /** What the file held that could not be read (cancelled tasks, bad values): count, first few. */
      skipped: z
        .object({
          count: z.number().int(),
          examples: z.array(z.object({ at: z.string(), reason: z.string() })),
        })
        .optional(),
    })
    .nullable(),
});

const FormatId = z.string().max(40);

export const ExchangeFormatInfo = z.object({
  id: z.string(),
  title: z.string(),
  layout: z.enum(['file', 'folder']),
  canImport: z.boolean(),
  canExport: z.boolean(),
  loses: z.array(z.enum(['unknown', 'negatives', 'sources', 'scores', 'splits', 'unsplit'])),
});

/** Which labels an export writes, and how. */
const ExportChoice = z.object({
  format: FormatId.default('jsonl'),
  split: Split.optional(),
  /** The active version's probabilities too, where the format carries scores. */
  predictions: z.boolean().default(false),
});

export const ModelInfo = z.object({
  id: Id,
  name: z.string(),
  pack: z.string(),
  classes: z.array(z.string()),
  /** Project classes the model predicts, and the model class each one reads. */
  mapping: z.array(z.object({ classId: Id, modelClass: z.string() })),
  predicted: z.number().int(),
  /** The execution provider of the last pre-labeling run in this process, if any. */
  provider: z.string().nullable(),
});

export const PrelabelReport = z.object({
  jobId: Id,
  status: JobStatus,
  model: z.string(),
  provider: z.string().nullable(),
  predicted: z.number().int(),
  photosPerSecond: z.number().nullable(),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});

export const ClassMaps = z.object({
  imageId: Id,
  /** Side of every map: values are size×size bytes, row by row, top row first. */
  size: z.number().int(),
  maps: z.array(
    z.object({
      classId: Id,
      probability: z.number(),
      /** The map's peak score: a byte b stands for b / 255 × peak. */
      peak: z.number(),
      /** base64 of the size×size bytes. */
      values: z.string(),
    }),
  ),
});

const Metrics = z.object({
  CP: z.number(),
  CR: z.number(),
  CF1: z.number(),
  OP: z.number(),
  OR: z.number(),
  OF1: z.number(),
});

export const EvalSplit = z.enum(['train', 'val', 'test', 'all']);

/** Figures are fractions in [0, 1]. */
export const EvalReport = z.object({
  /** The version measured, and its pack (`<name>@<version>`). */
  modelId: Id,
  version: z.string(),
  model: z.string(),
  split: EvalSplit,
  images: z.number().int(),
  /** Photos of the split the model has not predicted yet: left out. */
  unpredicted: z.number().int(),
  /** The version it was compared with (evaluate's comparedWith), measured on the same photos. */
  comparedWith: Id.nullable(),
  /** Photos this version alone could be measured on, left out so both are measured on the same. */
  leftOutForComparison: z.number().int(),
  classesEvaluated: z.number().int(),
  mAP: z.number().nullable(),
  threshold: Metrics,
  top3: Metrics,
  perClass: z.array(
    z.object({
      classId: Id,
      class: z.string(),
      modelClass: z.string(),
      ap: z.number().nullable(),
      positives: z.number().int(),
      negatives: z.number().int(),
      unknown: z.number().int(),
      /**
       * At the class's threshold in use (ClassInfo.threshold): precision (null when nothing
       * reaches it), recall (null without positives), F1, and how the labels given and the
       * model agree: a label is disputed when the model's probability is on the other side.
       */
      atThreshold: z.object({
        threshold: z.number(),
        precision: z.number().nullable(),
        recall: z.number().nullable(),
        f1: z.number().nullable(),
        positiveAgreed: z.number().int(),
        positiveDisputed: z.number().int(),
        negativeAgreed: z.number().int(),
        negativeDisputed: z.number().int(),
      }),
      /** Precision–recall curve, highest threshold first, at most 101 points; empty without positives. */
      curve: z.array(z.object({ threshold: z.number(), precision: z.number(), recall: z.number() })),
    }),
  ),
});

export const SplitCounts = z.object({
  train: z.number().int(),
  val: z.number().int(),
  test: z.number().int(),
  none: z.number().int(),
});

/** Labelled photos per split, for every class: what a training run would learn from. */
export const TrainPreflight = z.object({
  /** Photos with at least one label, in train and val. */
  labelled: z.object({ train: z.number().int(), val: z.number().int() }),
  /** Labelled photos without a split yet: they join train/val by the same rule when a run starts. */
  unassigned: z.number().int(),
  classes: z.array(
    z.object({
      classId: Id,
      name: z.string(),
      /** The default pack's class this one reads zero-shot, or null (trained head only). */
      modelClass: z.string().nullable(),
      train: z.object({ positive: z.number().int(), negative: z.number().int() }),
      val: z.object({ positive: z.number().int(), negative: z.number().int() }),
      /** Why this class cannot be trained well, or null. */
      warning: z.string().nullable(),
    }),
  ),
  /** Empty when a run can start; otherwise every reason it cannot. */
  blockers: z.array(z.string()),
});

export const ModelMetrics = z.object({
  /** On the version's val split; fractions in [0, 1]. */
  valMAP: z.number().nullable(),
  valImages: z.number().int(),
  perClass: z.array(z.object({ class: z.string(), ap: z.number().nullable() })),
});

export const ModelVersion = z.object({
  id: Id,
  parentId: Id.nullable(),
  name: z.string(),
  pack: z.string(),
  classes: z.array(z.string()),
  active: z.boolean(),
  createdAt: z.string(),
  /** null for a pack as shipped (no trained head). */
  trained: z
    .object({
      backend: z.string(),
      trainSeconds: z.number(),
      epochs: z.number().int(),
      config: z.object({ heads: z.number().int(), lambda: z.number(), learningRate: z.number() }),
      counts: z.object({ train: z.number().int(), val: z.number().int() }),
    })
    .nullable(),
  metrics: ModelMetrics.nullable(),
  /** Why the version cannot be used (its files are missing or altered), or null. */
  problem: z.string().nullable(),
});

export const TrainEpoch = z.object({
  /** Which search trial this epoch belongs to ('final' for the run that is kept). */
  trial: z.string(),
  epoch: z.number().int(),
  loss: z.number(),
  valMAP: z.number().nullable(),
});

export const TrainReport = z.object({
  jobId: Id,
  status: JobStatus,
  backend: z.string().nullable(),
  epochs: z.array(TrainEpoch),
  featureSeconds: z.number().nullable(),
  trainSeconds: z.number().nullable(),
  /** Labels changed since the run read them: the run used the labels as they were. */
  labelsChangedSince: z.number().int(),
  version: ModelVersion.nullable(),
  /** The new version against the version that was active when the run started, on the same val photos. */
  comparison: z
    .object({
      baseline: z.string(),
      before: z.number().nullable(),
      after: z.number().nullable(),
      perClass: z.array(
        z.object({ class: z.string(), before: z.number().nullable(), after: z.number().nullable() }),
      ),
    })
    .nullable(),
  /** The run's rule chose the new version: a version switch to it follows the run. */
  activated: z.boolean(),
});

export const ThresholdRule = z.enum(['f1', 'precision']);

/** A class's threshold tuned on val, with what it achieves there; figures null where it was not tuned. */
export const TunedThreshold = z.object({
  classId: Id,
  class: z.string(),
  threshold: z.number().nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  f1: z.number().nullable(),
  /** Val photos labelled for the class (positive or negative) that the version predicted. */
  valLabels: z.number().int(),
  /** Why the class got no tuned threshold, or null. */
  note: z.string().nullable(),
});

export const ReviewQueue = z.enum(['disputed', 'uncertain', 'next']);

export const ReviewItem = z.object({
  imageId: Id,
  /** The photo's file. */
  path: z.string(),
  /** The class the item is about; null for 'next' (the whole photo). */
  classId: Id.nullable(),
  className: z.string().nullable(),
  given: LabelState.nullable(),
  source: LabelSource.nullable(),
  /** The active version's probability of the class ('next': of the photo's least certain class). */
  probability: z.number(),
  threshold: z.number(),
  /** The rank key: lower first for 'disputed' and 'uncertain', higher first for 'next'. */
  score: z.number(),
  /** Why the item is in the queue, in words. */
  reason: z.string(),
});

const PathEntry = z.object({ name: z.string(), path: z.string() });

/** One folder as the folder browser shows it: what a project, an import or a labels file can use. */
export const FolderListing = z.object({
  path: z.string(),
  /** Where typed paths start: the user's home folder. */
  home: z.string(),
  /** The folders from the root down to this one, this one last. */
  crumbs: z.array(PathEntry),
  /** Subfolders (hidden ones left out), each with the photos right in it; null when it cannot be read. */
  folders: z.array(PathEntry.extend({ images: z.number().int().nullable() })),
  projects: z.array(PathEntry),
  /** Files of the label formats the app reads, by their extension. */
  labelFiles: z.array(PathEntry),
  /** Photo files right in this folder (an import also takes those of its subfolders). */
  images: z.number().int(),
});

export const RecentProject = z.object({
  path: z.string(),
  name: z.string(),
  openedAt: z.string(),
  /** Nothing is at the path any more (moved, deleted, or on a disk not mounted now). */
  missing: z.boolean(),
});

const op = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ input, output });
const None = z.object({}).strict();

export const operations = {
  createProject: op(z.object({ path: Path }).strict(), ProjectInfo),
  openProject: op(z.object({ path: Path }).strict(), ProjectInfo),
  /**
   * Copies the open project with the folders beside it (thumbnails, trained versions) to a new path,
   * written over nothing, and opens the copy.
   */
  saveProjectAs: op(z.object({ path: Path }).strict(), ProjectInfo),
  closeProject: op(None, z.null()),
  getProject: op(None, ProjectInfo.nullable()),
  listClasses: op(z.object({ includeArchived: z.boolean().default(false) }).strict(), z.array(ClassInfo)),
  createClass: op(
    z.object({ name: ClassName, color: Color.optional(), hotkey: Hotkey.nullable().optional() }).strict(),
    ClassInfo,
  ),
  /** Classes by name, in one go (the model's class names, say): the missing ones are created. */
  addClasses: op(z.object({ names: z.array(ClassName).min(1).max(maxClasses) }).strict(), z.array(ClassInfo)),
  updateClass: op(
    z
      .object({
        classId: Id,
        name: ClassName.optional(),
        color: Color.optional(),
        hotkey: Hotkey.nullable().optional(),
        threshold: z.number().gt(0).lt(1).optional(),
        archived: z.boolean().optional(),
      })
      .strict(),
    ClassInfo,
  ),
  reorderClasses: op(z.object({ classIds: Ids }).strict(), z.array(ClassInfo)),
  mergeClasses: op(z.object({ from: Id, into: Id }).strict(), LabelAction),
  listImages: op(
    z
      .object({
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(200),
        filter: ImageFilter.optional(),
        sort: ImageSort.default('name'),
      })
      .strict(),
    z.object({ total: z.number().int(), images: z.array(ImageSummary) }),
  ),
  /** Every photo id the filter selects, in order: "select all" over a filter. */
  listImageIds: op(
    z.object({ filter: ImageFilter.optional(), sort: ImageSort.default('name') }).strict(),
    z.object({ ids: z.array(Id) }),
  ),
  getImage: op(z.object({ imageId: Id }).strict(), ImageSummary),
  /** A person's label changes, as one undoable action; state null makes a label unknown again. */
  setLabels: op(
    z
      .object({
        changes: z
          .array(z.object({ imageId: Id, classId: Id, state: LabelState.nullable() }).strict())
          .min(1)
          .max(100_000),
        description: z.string().max(200).optional(),
        /**
         * Decisions made in review with the active version's probability in view (keep or flip):
         * the labels are settled against that version, and its disputed queue no longer lists them.
         */
        reviewed: z.boolean().optional(),
      })
      .strict(),
    LabelAction,
  ),
  /** Every pre-label at or above its class's threshold, on photos without a label for it, as `accepted`. */
  acceptPredictions: op(z.object({ imageIds: Ids }).strict(), LabelAction),
  /** Every class still unknown on the photos, as negative. */
  rejectUnlabelled: op(z.object({ imageIds: Ids }).strict(), LabelAction),
  /** Both at once, as one action: the photos are done. */
  confirmPhotos: op(z.object({ imageIds: Ids }).strict(), LabelAction),
  /** What confirmPhotos would do to the photos, changing nothing. */
  previewConfirm: op(z.object({ imageIds: Ids }).strict(), ConfirmPreview),
  undo: op(None, LabelAction.nullable()),
  redo: op(None, LabelAction.nullable()),
  /**
   * `labelsFormat`: a format of listFormats that can import, or 'auto' (told by the file's content).
   * `vocDifficult`: what a VOC class with only difficult objects is for a photo.
   */
  startImport: op(
    z
      .object({
        folder: Path,
        labelsFile: Path.optional(),
        labelsFormat: FormatId.default('auto'),
        vocDifficult: VocDifficult.default('unknown'),
      })
      .strict(),
    JobInfo,
  ),
  listJobs: op(None, z.array(JobInfo)),
  cancelJob: op(z.object({ jobId: Id }).strict(), JobInfo),
  resumeJob: op(z.object({ jobId: Id }).strict(), JobInfo),
  getImportReport: op(z.object({ jobId: Id }).strict(), ImportReport),
  getModel: op(None, ModelInfo.nullable()),
  /** Pre-labels the photos the active version has not predicted; `again`: every photo, once more. */
  startPrelabel: op(
    z.object({ provider: ProviderChoice.default('auto'), again: z.boolean().default(false) }).strict(),
    JobInfo,
  ),
  getPrelabelReport: op(z.object({ jobId: Id }).strict(), PrelabelReport),
  getClassMaps: op(z.object({ imageId: Id }).strict(), ClassMaps),
  /** A version against the project's labels: the active one unless `modelId` names another. */
  /**
   * A version on a split; with `comparedWith`, on only the photos both versions can be measured on
   * (a trained version leaves out the photos it learned from), so the two reports compare.
   */
  evaluate: op(
    z
      .object({ split: EvalSplit.default('all'), modelId: Id.optional(), comparedWith: Id.optional() })
      .strict(),
    EvalReport,
  ),
  /** Moves photos to a split by hand. */
  setSplit: op(z.object({ imageIds: Ids, split: Split }).strict(), z.object({ changed: z.number().int() })),
  /**
   * Gives labelled photos without a split one, by iterative stratification over the classes
   * (seeded); `reassign` redoes every labelled photo's split instead.
   */
  assignSplits: op(
    z
      .object({
        val: z.number().min(0).max(0.9).default(0.2),
        test: z.number().min(0).max(0.9).default(0),
        seed: z.number().int().min(0).default(1),
        reassign: z.boolean().default(false),
      })
      .strict()
      .refine((input) => input.val + input.test < 1, 'val and test together must leave photos for train'),
    SplitCounts,
  ),
  getTrainPreflight: op(None, TrainPreflight),
  startTrain: op(z.object({ activate: ActivateRule.default('better') }).strict(), JobInfo),
  getTrainReport: op(z.object({ jobId: Id }).strict(), TrainReport),
  listModels: op(None, z.array(ModelVersion)),
  /**
   * Starts the switch to a version (a 'switch' job): it predicts every photo and builds its index
   * while the active version stays in service, then takes over in one step.
   */
  activateModel: op(z.object({ modelId: Id }).strict(), JobInfo),
  /**
   * Tunes each project class's threshold on the val split for the active version: best F1, or the
   * lowest threshold whose precision reaches `minPrecision`. Stored, not yet used: see useThresholds.
   */
  tuneThresholds: op(
    z
      .object({ rule: ThresholdRule.default('f1'), minPrecision: z.number().gt(0).lt(1).default(0.9) })
      .strict(),
    z.array(TunedThreshold),
  ),
  /** Which threshold the classes (all when none named) use: the hand-set one or the tuned one. */
  useThresholds: op(
    z.object({ source: z.enum(['manual', 'tuned']), classIds: Ids.optional() }).strict(),
    z.array(ClassInfo),
  ),
  /** A page of a review queue: labels the model disputes, unknowns near the threshold, photos to label next. */
  listReviewQueue: op(
    z
      .object({
        queue: ReviewQueue,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(50),
      })
      .strict(),
    z.object({ total: z.number().int(), items: z.array(ReviewItem) }),
  ),
  reviewCounts: op(
    None,
    z.object({ disputed: z.number().int(), uncertain: z.number().int(), next: z.number().int() }),
  ),
  /** The label formats import and export speak, and what each cannot carry. */
  listFormats: op(None, z.array(ExchangeFormatInfo)),
  /**
   * Writes the labels of the photos (of one split) in a format: a file, or a folder for a folder
   * format. `losses`: what the format could not say, as said before writing.
   */
  /** What exportLabels would write and lose, said before anything is written. */
  previewExport: op(ExportChoice.strict(), z.object({ rows: z.number().int(), losses: z.array(z.string()) })),
  exportLabels: op(
    ExportChoice.extend({ out: Path }).strict(),
    z.object({ path: z.string(), format: z.string(), rows: z.number().int(), losses: z.array(z.string()) }),
  ),
  /** A single-file format's text, for a caller that writes it itself (the CLI's `--out -`). */
  exportText: op(
    ExportChoice.strict(),
    z.object({ text: z.string(), format: z.string(), rows: z.number().int(), losses: z.array(z.string()) }),
  ),
  /** A folder's listing for the folder browser: the home folder unless `path` names another. */
  listFolder: op(z.object({ path: Path.optional() }).strict(), FolderListing),
  /** Projects opened or created lately, newest first (kept in the user's settings file). */
  listRecentProjects: op(None, z.array(RecentProject)),
  forgetRecentProject: op(z.object({ path: Path }).strict(), z.array(RecentProject)),
};

/**
 * The largest request a transport must carry: setLabels with its 100,000 changes, each naming two
 * ids of up to 16 digits (~75 bytes), is ~7.5 MB of JSON. The browser host's frame limit is this,
 * so any request the contract accepts fits in one frame (a spec sends the largest of each).
 */
export const maxRequestBytes = 8 << 20;

export type Operations = typeof operations;
export type OpName = keyof Operations;
export type OpInput<K extends OpName> = z.input<Operations[K]['input']>;
export type OpOutput<K extends OpName> = z.output<Operations[K]['output']>;

export type ProjectInfo = z.infer<typeof ProjectInfo>;
export type ClassInfo = z.infer<typeof ClassInfo>;
export type Label = z.infer<typeof Label>;
export type LabelState = z.infer<typeof LabelState>;
export type LabelSource = z.infer<typeof LabelSource>;
export type ImageSummary = z.infer<typeof ImageSummary>;
export type JobInfo = z.infer<typeof JobInfo>;
export type JobStatus = z.infer<typeof JobStatus>;
export type ImportReport = z.infer<typeof ImportReport>;
export type ModelInfo = z.infer<typeof ModelInfo>;
export type ExchangeFormatInfo = z.infer<typeof ExchangeFormatInfo>;
export type PrelabelReport = z.infer<typeof PrelabelReport>;
export type ClassMaps = z.infer<typeof ClassMaps>;
export type ImageFilter = z.infer<typeof ImageFilter>;
export type ImageSort = z.infer<typeof ImageSort>;
export type LabelAction = z.infer<typeof LabelAction>;
export type ConfirmPreview = z.infer<typeof ConfirmPreview>;
export type ProviderChoice = z.infer<typeof ProviderChoice>;
export type VocDifficult = z.infer<typeof VocDifficult>;
export type EvalReport = z.infer<typeof EvalReport>;
export type EvalSplit = z.infer<typeof EvalSplit>;
export type Split = z.infer<typeof Split>;
export type SplitCounts = z.infer<typeof SplitCounts>;
export type ActivateRule = z.infer<typeof ActivateRule>;
export type TrainPreflight = z.infer<typeof TrainPreflight>;
export type ModelVersion = z.infer<typeof ModelVersion>;
export type ModelMetrics = z.infer<typeof ModelMetrics>;
export type TrainEpoch = z.infer<typeof TrainEpoch>;
export type TrainReport = z.infer<typeof TrainReport>;
export type ThresholdRule = z.infer<typeof ThresholdRule>;
export type TunedThreshold = z.infer<typeof TunedThreshold>;
export type ReviewQueue = z.infer<typeof ReviewQueue>;
export type ReviewItem = z.infer<typeof ReviewItem>;
export type FolderListing = z.infer<typeof FolderListing>;
export type RecentProject = z.infer<typeof RecentProject>;
