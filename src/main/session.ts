// The studio's project lifecycle: the one open project and its job runner, swapped on open, create,
// save-as and close; the events clients subscribe to; and what follows a change everywhere
// (uncertainty re-measured, a version switch started and resumed). The operations read it.
import { homedir } from 'node:os';
import type { JobInfo, ProjectInfo } from '$shared/contract';
import { ApiError, type ApiEvent } from '$shared/rpc';
import { jobConfig, jobResult, listJobs } from './db/jobs';
import { unknownImageIds } from './db/images';
import type { ActionOutcome } from './db/labels';
import { refreshUncertainty } from './db/predictions';
import { UserSettings } from './files/settings';
import { typedPath } from './files/typed-path';
import { ModelHost } from './inference/model-host';
import { runPrelabel, type PrelabelConfig } from './inference/prelabel-job';
import { runSwitch, type SwitchConfig } from './inference/switch-job';
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
  /**
   * Whether a version switch a crash cut off resumes when its project opens: in the apps, which stay
   * open; not in the CLI, whose commands end (`models --activate` resumes it).
   */
  resumeSwitch?: boolean;
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
  private readonly resumeSwitch: boolean;
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
    this.resumeSwitch = options.resumeSwitch ?? true;
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
          switch: (config: SwitchConfig, context) =>
            runSwitch(next, models, config, context, () => this.switched(next, config.modelId)),
        },
        (job) => {
          this.publish({ type: 'job', job });
          if (job.kind === 'train' && job.status === 'done' && this.current === next) {
            this.publish({ type: 'models' });
            const result = jobResult<{ activated: boolean; modelId: number | null }>(next.db, job.id);
            if (result?.activated && result.modelId !== null) void this.startSwitch(next, result.modelId);
          }
          // An import with labels.csv may have created classes.
          if (job.kind === 'import' && job.status !== 'running') {
            if (this.current === next) this.measureUncertainty(next);
            this.publish({ type: 'classes' });
          }
        },
      );
    this.publish({ type: 'project', project: next?.info() ?? null });
    if (next && this.resumeSwitch) this.resumeCutOffSwitch(next);
    return next?.info() ?? null;
  }

  /**
   * Starts the switch to a version, or gives the one already under way; a switch to another version
   * is stopped first (asked for again, it resumes where it stopped). Until the switch ends, the
   * active version serves the grid, the counters and the queues.
   */
  async switchTo(open: Project, modelId: number): Promise<JobInfo> {
    const runner = this.jobs!;
    const running = listJobs(open.db).find((job) => job.kind === 'switch' && job.status === 'running');
    if (running) {
      if (jobConfig<SwitchConfig>(open.db, running.id).modelId === modelId) return running;
      await runner.stop(running.id);
    }
    return runner.start('switch', { modelId } satisfies SwitchConfig);
  }

  /** A switch a finished training run asked for; it never fails the run. */
  private async startSwitch(open: Project, modelId: number): Promise<void> {
    if (this.current !== open) return;
    await this.switchTo(open, modelId).catch((error: unknown) => {
      console.error(
        `csra-studio: the switch to version ${modelId} did not start: ${(error as Error).message}`,
      );
    });
  }

  /** The newest switch, if a crash (or a close) cut it off, carries on. */
  private resumeCutOffSwitch(open: Project): void {
    const last = listJobs(open.db).find((job) => job.kind === 'switch');
    if (last?.status !== 'interrupted') return;
    try {
      this.jobs!.resume(last.id);
    } catch (error) {
      // Another process runs it: that one finishes it.
      if (!(error instanceof ApiError && error.code === 'conflict')) throw error;
    }
  }

  /**
   * After a switch made `modelId` the active version: the uncertainty its predictions were stored
   * with stands unless the classes changed meanwhile, the index takes any class named meanwhile, and
   * a pre-label run still going on with another version stops (what it stored stays, its version's).
   */
  private switched(open: Project, modelId: number): void {
    if (this.current !== open) return;
    const active = projectModel(open);
    if (active?.model.id === modelId) {
      const indices = active.mapping.map((entry) => entry.modelIndex);
      this.measuredOver = `${modelId}:${indices.join(',')}`;
    }
    this.measureUncertainty(open);
    this.publish({ type: 'models' });
    const prelabel = listJobs(open.db).find((job) => job.kind === 'prelabel' && job.status === 'running');
    if (prelabel && jobConfig<PrelabelConfig>(open.db, prelabel.id).modelId !== modelId)
      void this.jobs?.stop(prelabel.id);
  }

  /** Stops running jobs at a safe point, closes the project and the loaded models. */
  async close(): Promise<void> {
    await this.swap(null);
    await this.models.close();
  }
}
