// A version switch: the job that makes a version the active one. It predicts every photo with the
// version and builds its index while the active version goes on serving the grid, the counters and
// the queues; a 'models' event says when it took over. Following it, cancelling it and resuming it
// are what every job has (job.svelte.ts).
import type { Api } from '$shared/rpc';
import { JobStore } from './job.svelte';

export class SwitchStore extends JobStore<null> {
  constructor(api: Api) {
    super(api, {
      kind: 'switch',
      // The job's progress is all there is to show of it.
      report: async () => null,
      unmeasuredPhases: ['waiting to start', 'loading model', 'tidying up'],
    });
  }

  /** Starts the switch to a version (or joins the one under way); resolves with whether it did. */
  start(modelId: number): Promise<boolean> {
    return this.launch(() => this.api.activateModel({ modelId }));
  }
}
