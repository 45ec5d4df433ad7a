// The studio's project lifecycle: the one open project and its job runner, swapped on open, create,
// save-as and close; the events clients subscribe to; and what follows a change everywhere
// (uncertainty re-measured, pre-labeling with a newly active version). The operations read it.
import { homedir } from 'node:os';
import type { ProjectInfo } from '$shared/contract';
import { ApiError, type ApiEvent } from '$shared/rpc';
import { jobConfig, jobResult, listJobs } from './db/jobs';
import { unknownImageIds } from './db/images';
import type { ActionOutcome } from './db/labels';
import { refreshUncertainty } from './db/predictions';
import { UserSettings } from './files/settings';
import { typedPath } from './files/typed-path';
import { ModelHost } from './inference/model-host';
import { ensureDefaultModel } from './inference/model-info';
import { runPrelabel, type PrelabelConfig } from './inference/prelabel-job';
import { JobRunner } from './jobs';
import { indexScores, projectModel } from './library/grid';
import { runImport, type ImportConfig } from './library/import-job';
import type { Project } from './project';
import { runTrain } from './training/train-job';
import type { TrainConfig } from './training/train-settings';

export interface StudioOptions {
  /** Where typed relative paths start and the folder browser opens: the user's home folder by default. */
  home?: string;
  /**
   * The per-user settings file the apps keep recent projects in. Without one (the CLI, which runs
   * in scripts) nothing is remembered and the recent list is empty.
   */
  settingsFile?: string;
}

/** Requests name photos of the open project only. */
export function requireImages(db: Project['db'], imageIds: readonly number[]): void {
  const [badImage] = unknownImageIds(db, [...new Set(imageIds)]);
  if (badImage !== undefined) throw new ApiError('not_found', `no photo ${badImage} in this project`);
}

export class StudioSession {
  readonly home: string;
  readonly settings: UserSettings | null;
  readonly models = new ModelHost();
  private current: Project | null = null;
  private jobs: JobRunner | null = null;
  private readonly listeners = new Set<(event: ApiEvent) => void>();
  /**
   * Uncertainty is measured over the model classes the project reads. Each class change asks again,
   * but only a change of that list (a class named, renamed, archived or merged, or created by an
   * import's labels.csv) rewrites every prediction row; a color, key or threshold does not. The
   * probability index follows the same list, and rewrites only the classes that changed in it.
   */
  private measuredOver: string | null = null;

  constructor(options: StudioOptions = {}) {
    this.home = options.home ?? homedir();
    this.settings = options.settingsFile ? new UserSettings(options.settingsFile) : null;
  }

  /** The open project, if any. */
  get project(): Project | null {
    return this.current;
  }

  /** A path as the user typed it: a relative one starts at the home folder. */
  typed(path: string): string {
    return typedPath(this.home, path);
  }

  publish(event: ApiEvent): void {
    this.listeners.forEach((listener) => listener(event));
  }

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  requireOpen(): { project: Project; jobs: JobRunner } {
    if (!this.current || !this.jobs)
      throw new ApiError('no_project', 'no project is open; create or open one first');
    return { project: this.current, jobs: this.jobs };
  }

  /**
   * The open project and the photos named, each once, once every one is of this project: a bulk
   * action's work grows with photos × classes, never with how often a client repeats an id.
   */
  photosOfProject(imageIds: readonly number[]): [Project, number[]] {
    const { project } = this.requireOpen();
    const unique = [...new Set(imageIds)];
    requireImages(project.db, unique);
    return [project, unique];
  }

  /** After labels changed: the photos are announced, and the action is what the request returns. */
  labelsChanged({ description, changed, imageIds }: Omit<ActionOutcome, 'actionId'>) {
    if (imageIds.length > 0) this.publish({ type: 'labels', imageIds });
    return { description, changed, imageIds };
  }

  /** After the class list changed: which classes the model predicts may have changed too. */
  classesChanged<T>(result: T): T {
    this.measureUncertainty(this.requireOpen().project);
    this.publish({ type: 'classes' });
    return result;
  }

  measureUncertainty(open: Project): void {
    const active = projectModel(open);
    indexScores(open, active);
    if (!active) return;
    const indices = active.mapping.map((entry) => entry.modelIndex);
    const over = `${active.model.id}:${indices.join(',')}`;
    if (over === this.measuredOver) return;
    refreshUncertainty(open.db, active.model.id, indices);
    this.measuredOver = over;
  }

  /**
   * A project opened or created goes first in the recent list before it is announced, so a client
   * reading the list on the announcement finds it; a list that cannot be written fails nothing.
   */
  async remembered(opened: Project): Promise<Project> {
    await this.settings?.rememberProject(opened.path).catch((error: unknown) => {
      console.error(`csra-studio: recent projects not saved: ${(error as Error).message}`);
    });
    return opened;
  }

  /** Stops the open project's jobs, closes it, and makes `next` the open project (none: null). */
  async swap(next: Project | null): Promise<ProjectInfo | null> {
    await this.jobs?.stopAll();
    this.current?.close();
    this.current = next;
    // A project last written by an app without the index (or a process that left it behind) gets it.
    if (next) indexScores(next);
    this.measuredOver = null;
    const { models } = this;
    this.jobs =
      next &&
      new JobRunner(
        next.db,
        {
          import: (config: ImportConfig, context) => runImport(next, config, context),
          prelabel: (config: PrelabelConfig, context) => runPrelabel(next, models, config, context),
          train: (config: TrainConfig, context) => runTrain(next, models, config, context),
        },
        (job) => {
          this.publish({ type: 'job', job });
          if (job.kind === 'train' && job.status === 'done' && this.current === next) {
            if (jobResult<{ activated: boolean }>(next.db, job.id)?.activated) void this.activated(next);
            else this.publish({ type: 'models' });
          }
          // An import with labels.csv may have created classes.
          if (job.kind === 'import' && job.status !== 'running') {
            if (this.current === next) this.measureUncertainty(next);
            this.publish({ type: 'classes' });
          }
        },
      );
    this.publish({ type: 'project', project: next?.info() ?? null });
    return next?.info() ?? null;
  }

  /**
   * After a version became active: uncertainty follows it, and the photos are pre-labelled with it
   * in the background. A pre-label run still going on with the previous version is stopped first
   * (what it stored stays, attributed to that version).
   */
  async activated(open: Project): Promise<void> {
    this.measureUncertainty(open);
    this.publish({ type: 'models' });
    const model = await ensureDefaultModel(open);
    const runner = this.jobs;
    if (!runner || this.current !== open) return;
    try {
      const running = listJobs(open.db).find((job) => job.kind === 'prelabel' && job.status === 'running');
      if (running && jobConfig<PrelabelConfig>(open.db, running.id).modelId !== model.id)
        await runner.stop(running.id);
      if (this.current === open)
        runner.start('prelabel', { modelId: model.id, provider: 'auto' } satisfies PrelabelConfig);
    } catch (error) {
      // A run for this version already going on (started by a client meanwhile) is as good.
      if (!(error instanceof ApiError && error.code === 'conflict'))
        console.error(
          `csra-studio: pre-labeling with ${model.name} did not start: ${(error as Error).message}`,
        );
    }
  }

  /** Stops running jobs at a safe point, closes the project and the loaded models. */
  async close(): Promise<void> {
    await this.swap(null);
    await this.models.close();
  }
}
