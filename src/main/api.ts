// The one implementation of the shared contract. Electron IPC, the browser host and direct callers
// (tests, the CLI) all come through `handle`, which validates every request before any service
// sees it and turns every failure into a typed error.
import { homedir } from 'node:os';
import { z } from 'zod';
import { operations, type OpName, type Operations } from '$shared/contract';
import { ApiError, type ApiEvent, type Envelope, type Transport } from '$shared/rpc';
import {
  createClass,
  ensureClasses,
  listClasses,
  mergeClasses,
  reorderClasses,
  updateClass,
  useThresholds,
} from './db/classes';
import { applyLabelChanges, redoLastAction, undoLastAction, type ActionOutcome } from './db/labels';
import { refreshUncertainty } from './db/predictions';
import { unknownImageIds } from './db/images';
import { setSplit } from './db/splits';
import { exportLabels, exportText, previewExport } from './exchange/export';
import { exchangeFormats } from './exchange/formats';
import { guardOutputPath } from './guarded-write';
import { importReport, prepareImport, runImport, type ImportConfig } from './library/import-job';
import { classMapsOf, ensureDefaultModel, modelInfo } from './inference/model-info';
import { ModelHost } from './inference/model-host';
import { prelabelReport, runPrelabel, type PrelabelConfig } from './inference/prelabel-job';
import { gridIds, gridImage, gridPage, indexScores, projectModel } from './library/grid';
import { previewConfirm } from './library/confirm-preview';
import { acceptPredictions, confirmPhotos, rejectUnlabelled } from './library/labeling';
import { JobRunner } from './jobs';
import { evaluateProject } from './training/evaluate';
import { trainPreflight } from './training/preflight';
import { runTrain, trainReport } from './training/train-job';
import { trainSettings, type TrainConfig } from './training/train-settings';
import { listVersions, modelSource, versionInfo, versionProblem } from './models/versions';
import { jobConfig, jobResult, listJobs } from './db/jobs';
import { getModel, setActiveModel } from './db/models';
import { assignSplitsReport } from './training/splits';
import { Project } from './project';
import { reviewCounts, reviewQueue } from './review/queues';
import { tuneThresholds } from './review/thresholds';
import { readMedia, type Media, type MediaKind } from './media';
import { listFolder } from './files/folder-listing';
import { copyProject } from './project-files';
import { UserSettings } from './files/settings';
import { typedPath } from './files/typed-path';

type Implementation = {
  [K in OpName]: (input: z.output<Operations[K]['input']>) => Promise<z.output<Operations[K]['output']>>;
};

export interface Studio extends Transport {
  readonly project: Project | null;
  /** The bytes behind a media URL of the open project, for the media routes of the transports. */
  readMedia(kind: MediaKind, id: number): Promise<Media>;
  /** Stops running jobs at a safe point and closes the project. */
  close(): Promise<void>;
}

/** Requests name photos of the open project only. */
function requireImages(db: Project['db'], imageIds: readonly number[]): void {
  const [badImage] = unknownImageIds(db, [...new Set(imageIds)]);
  if (badImage !== undefined) throw new ApiError('not_found', `no photo ${badImage} in this project`);
}

export interface StudioOptions {
  /** Where typed relative paths start and the folder browser opens: the user's home folder by default. */
  home?: string;
  /**
   * The per-user settings file the apps keep recent projects in. Without one (the CLI, which runs
   * in scripts) nothing is remembered and the recent list is empty.
   */
  settingsFile?: string;
}

export function createStudio(options: StudioOptions = {}): Studio {
  const home = options.home ?? homedir();
  const settings = options.settingsFile ? new UserSettings(options.settingsFile) : null;
  const typed = (path: string) => typedPath(home, path);
  /**
   * A project opened or created goes first in the recent list before it is announced, so a client
   * reading the list on the announcement finds it; a list that cannot be written fails nothing.
   */
  const remembered = async (opened: Project) => {
    await settings?.rememberProject(opened.path).catch((error: unknown) => {
      console.error(`csra-studio: recent projects not saved: ${(error as Error).message}`);
    });
    return opened;
  };
  let project: Project | null = null;
  let jobs: JobRunner | null = null;
  const models = new ModelHost();
  const listeners = new Set<(event: ApiEvent) => void>();
  const publish = (event: ApiEvent) => listeners.forEach((listener) => listener(event));

  const requireOpen = () => {
    if (!project || !jobs) throw new ApiError('no_project', 'no project is open; create or open one first');
    return { project, jobs };
  };

  /**
   * Uncertainty is measured over the model classes the project reads. Each class change asks again,
   * but only a change of that list (a class named, renamed, archived or merged, or created by an
   * import's labels.csv) rewrites every prediction row; a color, key or threshold does not. The
   * probability index follows the same list, and rewrites only the classes that changed in it.
   */
  let measuredOver: string | null = null;
  const measureUncertainty = (open: Project) => {
    const active = projectModel(open);
    indexScores(open, active);
    if (!active) return;
    const indices = active.mapping.map((entry) => entry.modelIndex);
    const over = `${active.model.id}:${indices.join(',')}`;
    if (over === measuredOver) return;
    refreshUncertainty(open.db, active.model.id, indices);
    measuredOver = over;
  };

  const swap = async (next: Project | null) => {
    await jobs?.stopAll();
    project?.close();
    project = next;
    // A project last written by an app without the index (or a process that left it behind) gets it.
    if (next) indexScores(next);
    measuredOver = null;
    jobs =
      next &&
      new JobRunner(
        next.db,
        {
          import: (config: ImportConfig, context) => runImport(next, config, context),
          prelabel: (config: PrelabelConfig, context) => runPrelabel(next, models, config, context),
          train: (config: TrainConfig, context) => runTrain(next, models, config, context),
        },
        (job) => {
          publish({ type: 'job', job });
          if (job.kind === 'train' && job.status === 'done' && project === next) {
            if (jobResult<{ activated: boolean }>(next.db, job.id)?.activated) void activated(next);
            else publish({ type: 'models' });
          }
          // An import with labels.csv may have created classes.
          if (job.kind === 'import' && job.status !== 'running') {
            if (project === next) measureUncertainty(next);
            publish({ type: 'classes' });
          }
        },
      );
    publish({ type: 'project', project: next?.info() ?? null });
    return next?.info() ?? null;
  };

  /**
   * After a version became active: uncertainty follows it, and the photos are pre-labelled with it
   * in the background. A pre-label run still going on with the previous version is stopped first
   * (what it stored stays, attributed to that version).
   */
  const activated = async (open: Project) => {
    measureUncertainty(open);
    publish({ type: 'models' });
    const model = await ensureDefaultModel(open);
    const runner = jobs;
    if (!runner || project !== open) return;
    try {
      const running = listJobs(open.db).find((job) => job.kind === 'prelabel' && job.status === 'running');
      if (running && jobConfig<PrelabelConfig>(open.db, running.id).modelId !== model.id)
        await runner.stop(running.id);
      if (project === open)
        runner.start('prelabel', { modelId: model.id, provider: 'auto' } satisfies PrelabelConfig);
    } catch (error) {
      // A run for this version already going on (started by a client meanwhile) is as good.
      if (!(error instanceof ApiError && error.code === 'conflict'))
        console.error(
          `csra-studio: pre-labeling with ${model.name} did not start: ${(error as Error).message}`,
        );
    }
  };

  /**
   * The open project and the photos named, each once, once every one is of this project: a bulk
   * action's work grows with photos × classes, never with how often a client repeats an id.
   */
  const photosOfProject = (imageIds: readonly number[]): [Project, number[]] => {
    const { project } = requireOpen();
    const unique = [...new Set(imageIds)];
    requireImages(project.db, unique);
    return [project, unique];
  };

  const labelsChanged = ({ description, changed, imageIds }: Omit<ActionOutcome, 'actionId'>) => {
    if (imageIds.length > 0) publish({ type: 'labels', imageIds });
    return { description, changed, imageIds };
  };
  const replayed = (outcome: { description: string; imageIds: number[] } | null) =>
    outcome && labelsChanged({ ...outcome, changed: outcome.imageIds.length });
  /** After the class list changed: which classes the model predicts may have changed too. */
  const classesChanged = <T>(result: T): T => {
    measureUncertainty(requireOpen().project);
    publish({ type: 'classes' });
    return result;
  };

  const implementation: Implementation = {
    createProject: async (input) => {
      const path = typed(input.path);
      if (project) await guardOutputPath(project.path, path);
      return (await swap(await remembered(Project.create(path))))!;
    },
    openProject: async ({ path }) => (await swap(await remembered(Project.open(typed(path)))))!,
    saveProjectAs: async (input) => {
      const { project: open } = requireOpen();
      const saved = await copyProject(open.db, open.path, typed(input.path));
      return (await swap(await remembered(Project.open(saved))))!;
    },
    closeProject: async () => {
      await swap(null);
      return null;
    },
    getProject: async () => project?.info() ?? null,
    listClasses: async ({ includeArchived }) => listClasses(requireOpen().project.db, { includeArchived }),
    createClass: async (input) => classesChanged(createClass(requireOpen().project.db, input)),
    addClasses: async ({ names }) => {
      const { db } = requireOpen().project;
      const { ids } = ensureClasses(db, names);
      const wanted = new Set(ids.values());
      return classesChanged(listClasses(db, { includeArchived: true }).filter((item) => wanted.has(item.id)));
    },
    updateClass: async ({ classId, ...update }) =>
      classesChanged(updateClass(requireOpen().project.db, classId, update)),
    reorderClasses: async ({ classIds }) => {
      const { db } = requireOpen().project;
      reorderClasses(db, classIds);
      return classesChanged(listClasses(db));
    },
    mergeClasses: async ({ from, into }) => {
      const { project } = requireOpen();
      const outcome = labelsChanged(mergeClasses(project.db, from, into));
      classesChanged(null);
      return outcome;
    },
    listImages: async (request) => gridPage(requireOpen().project, request),
    listImageIds: async ({ filter, sort }) => ({ ids: gridIds(requireOpen().project, filter, sort) }),
    getImage: async ({ imageId }) => gridImage(requireOpen().project, imageId),
    setLabels: async ({ changes, description, reviewed }) => {
      const { db } = requireOpen().project;
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
      return labelsChanged(
        applyLabelChanges(
          db,
          text,
          changes.map((change) => ({ ...change, source: 'human' as const })),
          { reviewed: reviewed ?? false },
        ),
      );
    },
    acceptPredictions: async ({ imageIds }) => labelsChanged(acceptPredictions(...photosOfProject(imageIds))),
    rejectUnlabelled: async ({ imageIds }) => labelsChanged(rejectUnlabelled(...photosOfProject(imageIds))),
    confirmPhotos: async ({ imageIds }) => labelsChanged(confirmPhotos(...photosOfProject(imageIds))),
    previewConfirm: async ({ imageIds }) => previewConfirm(...photosOfProject(imageIds)),
    undo: async () => replayed(undoLastAction(requireOpen().project.db)),
    redo: async () => replayed(redoLastAction(requireOpen().project.db)),
    startImport: async (input) => {
      const { project, jobs } = requireOpen();
      const { folder, labelsFile, labelsFormat, vocDifficult } = input;
      const request = {
        folder: typed(folder),
        ...(labelsFile ? { labelsFile: typed(labelsFile), labelsFormat, vocDifficult } : {}),
      };
      return jobs.start('import', await prepareImport(project.db, request));
    },
    listJobs: async () => listJobs(requireOpen().project.db),
    cancelJob: async ({ jobId }) => requireOpen().jobs.cancel(jobId),
    resumeJob: async ({ jobId }) => requireOpen().jobs.resume(jobId),
    getImportReport: async ({ jobId }) => importReport(requireOpen().project, jobId),
    getModel: async () => modelInfo(requireOpen().project, models.lastProvider),
    startPrelabel: async ({ provider, again }) => {
      const open = requireOpen();
      const model = await ensureDefaultModel(open.project);
      // Loaded before the job starts, so a missing or broken model, or a provider that cannot run,
      // fails the request itself with the reason.
      await models.load(modelSource(open.project, model), provider);
      return open.jobs.start('prelabel', { modelId: model.id, provider, again } satisfies PrelabelConfig);
    },
    getPrelabelReport: async ({ jobId }) => prelabelReport(requireOpen().project, jobId),
    getClassMaps: async ({ imageId }) => classMapsOf(requireOpen().project, imageId),
    evaluate: async ({ split, modelId, comparedWith }) =>
      evaluateProject(requireOpen().project, split, modelId, comparedWith),
    setSplit: async ({ imageIds, split }) => {
      const { db } = requireOpen().project;
      requireImages(db, imageIds);
      const changed = setSplit(db, imageIds, split);
      if (changed > 0) publish({ type: 'splits' });
      return { changed };
    },
    assignSplits: async (input) => {
      const { counts, changed } = assignSplitsReport(requireOpen().project.db, input);
      if (changed > 0) publish({ type: 'splits' });
      return counts;
    },
    getTrainPreflight: async () => trainPreflight(requireOpen().project, trainSettings.defaults.seed),
    startTrain: async ({ activate }) => {
      const open = requireOpen();
      // Too few labels: no run starts, and the request says why.
      const { blockers } = trainPreflight(open.project, trainSettings.defaults.seed);
      if (blockers.length > 0) throw new ApiError('conflict', `cannot train: ${blockers.join('; ')}`);
      return open.jobs.start('train', { ...trainSettings.defaults, activate } satisfies TrainConfig);
    },
    getTrainReport: async ({ jobId }) => trainReport(requireOpen().project, jobId),
    listModels: async () => {
      const { project } = requireOpen();
      await ensureDefaultModel(project);
      return listVersions(project);
    },
    activateModel: async ({ modelId }) => {
      const { project } = requireOpen();
      const record = getModel(project.db, modelId);
      if (!record) throw new ApiError('not_found', `no model version ${modelId} in this project`);
      const problem = await versionProblem(project, record);
      if (problem) throw new ApiError('conflict', `version ${record.name} cannot be activated: ${problem}`);
      // Loaded first: a version that cannot run here never becomes the active one.
      await models.load(modelSource(project, record), 'auto');
      setActiveModel(project.db, modelId);
      await activated(project);
      return versionInfo(project, modelId);
    },
    tuneThresholds: async (input) => {
      const tuned = tuneThresholds(requireOpen().project, input);
      publish({ type: 'classes' });
      return tuned;
    },
    useThresholds: async ({ source, classIds }) => {
      const { db } = requireOpen().project;
      const classes = useThresholds(db, source, classIds);
      publish({ type: 'classes' });
      return classes;
    },
    listReviewQueue: async (request) => reviewQueue(requireOpen().project, request),
    reviewCounts: async () => reviewCounts(requireOpen().project),
    listFormats: async () =>
      exchangeFormats.map((format) => ({
        id: format.id,
        title: format.title,
        layout: format.layout,
        canImport: format.read !== undefined,
        canExport: format.write !== undefined,
        loses: [...format.loses],
      })),
    previewExport: async (choice) => previewExport(requireOpen().project, choice),
    exportLabels: async (request) =>
      exportLabels(requireOpen().project, { ...request, out: typed(request.out) }),
    exportText: async (choice) => exportText(requireOpen().project, choice),
    listFolder: async ({ path }) => listFolder(path === undefined ? home : typed(path), home),
    listRecentProjects: async () => settings?.recentProjects() ?? [],
    forgetRecentProject: async ({ path }) => {
      await settings?.forgetProject(path);
      return settings?.recentProjects() ?? [];
    },
  };

  return {
    get project() {
      return project;
    },
    readMedia: (kind, id) =>
      readMedia(project, kind, id, (imageId) => publish({ type: 'photos', imageIds: [imageId] })),
    async call(op: OpName, input: unknown): Promise<Envelope> {
      try {
        if (typeof op !== 'string' || !Object.hasOwn(operations, op)) {
          throw new ApiError('unknown_operation', `unknown operation ${JSON.stringify(op)}`);
        }
        const parsed = operations[op].input.safeParse(input ?? {});
        if (!parsed.success) {
          throw new ApiError(
            'invalid_request',
            `${op}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
          );
        }
        const run = implementation[op] as (input: unknown) => Promise<unknown>;
        return { ok: true, result: await run(parsed.data) };
      } catch (error) {
        if (error instanceof ApiError)
          return { ok: false, error: { code: error.code, message: error.message } };
        console.error(`csra-studio: ${op} failed`, error);
        return { ok: false, error: { code: 'internal', message: (error as Error).message ?? String(error) } };
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      await swap(null);
      await models.close();
    },
  };
}
