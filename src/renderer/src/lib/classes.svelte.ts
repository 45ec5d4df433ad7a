// The project's classes as the class panel manages them, archived ones included: create, rename,
// recolor, hotkey, threshold (hand-set, or tuned on val), order, merge, archive. Each change goes
// to the API, which tells every client (`classes` event); the list is read again on that event. A
// failed change shows as `error`.
import type { ClassInfo, ThresholdRule, TunedThreshold } from '$shared/contract';
import { isClassHotkey } from '$shared/hotkeys';
import type { Api } from '$shared/rpc';
import { attempt, messageOf } from './errors';

/** Why `key` cannot be the hotkey of class `classId`, or null when it can ('' clears a key). */
export function hotkeyProblem(
  key: string,
  classId: number | null,
  classes: readonly ClassInfo[],
): string | null {
  if (key === '') return null;
  if (!isClassHotkey(key))
    return `"${key}" cannot be a class key: use a digit or lowercase letter no command uses`;
  const clash = classes.find((item) => item.hotkey === key && item.id !== classId && !item.archived);
  return clash ? `the key "${key}" already toggles "${clash.name}"` : null;
}

export class ClassStore {
  /** Every class, active ones first in their order, then the archived ones. */
  all = $state<ClassInfo[]>([]);
  busy = $state(false);
  error = $state<string | null>(null);
  loaded = $state(false);
  /** What the last tuning on val gave each class (this session), by class id. */
  tuned = $state<Map<number, TunedThreshold>>(new Map());

  active = $derived(this.all.filter((item) => !item.archived));
  archived = $derived(this.all.filter((item) => item.archived));

  readonly #api: Api;
  readonly #stop: () => void;
  #reads = 0;

  constructor(api: Api) {
    this.#api = api;
    this.#stop = api.onEvent((event) => {
      if (event.type === 'classes') {
        void this.load();
      } else if (event.type === 'project') {
        this.#reads += 1;
        this.all = [];
        this.loaded = false;
        this.error = null;
        if (event.project) void this.load();
      }
    });
  }

  /** Reads the list again; an older answer never replaces a newer one. */
  async load(): Promise<void> {
    const read = ++this.#reads;
    try {
      const classes = await this.#api.listClasses({ includeArchived: true });
      if (read !== this.#reads) return;
      this.all = [...classes.filter((item) => !item.archived), ...classes.filter((item) => item.archived)];
      this.loaded = true;
    } catch (error) {
      if (read === this.#reads) this.error = messageOf(error);
    }
  }

  create(name: string, color?: string, hotkey?: string): Promise<boolean> {
    const problem = hotkey ? hotkeyProblem(hotkey, null, this.all) : null;
    if (problem) return this.#fail(problem);
    return this.#change(() =>
      this.#api.createClass({
        name,
        ...(color ? { color } : {}),
        ...(hotkey ? { hotkey } : {}),
      }),
    );
  }

  /** Adds classes by name in one go (picked from the model's classes); names already there stay as they are. */
  addMany(names: string[]): Promise<boolean> {
    if (names.length === 0) return Promise.resolve(false);
    return this.#change(() => this.#api.addClasses({ names }));
  }

  rename(classId: number, name: string): Promise<boolean> {
    return this.#change(() => this.#api.updateClass({ classId, name }));
  }

  recolor(classId: number, color: string): Promise<boolean> {
    return this.#change(() => this.#api.updateClass({ classId, color }));
  }

  /** Sets a class's key; '' takes its key away. */
  setHotkey(classId: number, key: string): Promise<boolean> {
    const problem = hotkeyProblem(key, classId, this.all);
    if (problem) return this.#fail(problem);
    return this.#change(() => this.#api.updateClass({ classId, hotkey: key === '' ? null : key }));
  }

  setThreshold(classId: number, threshold: number): Promise<boolean> {
    if (!(threshold > 0 && threshold < 1)) return this.#fail('a threshold is a probability between 0 and 1');
    return this.#change(() => this.#api.updateClass({ classId, threshold }));
  }

  /** Tunes every class's threshold on val for the active version; used once `useThresholds` says so. */
  tune(rule: ThresholdRule, minPrecision: number): Promise<boolean> {
    if (!(minPrecision > 0 && minPrecision < 1))
      return this.#fail('a precision is a fraction between 0 and 1');
    return this.#change(async () => {
      const results = await this.#api.tuneThresholds({ rule, minPrecision });
      this.tuned = new Map(results.map((result) => [result.classId, result]));
    });
  }

  /** Which threshold the classes (every class when none are named) use: the hand-set or the tuned one. */
  useThresholds(source: ClassInfo['thresholdSource'], classIds?: number[]): Promise<boolean> {
    return this.#change(() => this.#api.useThresholds({ source, ...(classIds ? { classIds } : {}) }));
  }

  setArchived(classId: number, archived: boolean): Promise<boolean> {
    return this.#change(() => this.#api.updateClass({ classId, archived }));
  }

  /** Moves an active class `by` places up (negative) or down among the active classes. */
  move(classId: number, by: number): Promise<boolean> {
    const order = this.active.map((item) => item.id);
    const from = order.indexOf(classId);
    const to = Math.min(order.length - 1, Math.max(0, from + by));
    if (from < 0 || to === from) return Promise.resolve(false);
    order.splice(to, 0, ...order.splice(from, 1));
    return this.reorder(order);
  }

  /** Puts the classes in this order (the others keep theirs, after them). */
  reorder(classIds: number[]): Promise<boolean> {
    // Shown at once; the classes event brings the stored order.
    const byId = new Map(this.all.map((item) => [item.id, item]));
    const moved = classIds.flatMap((id) => byId.get(id) ?? []);
    this.all = [...moved, ...this.all.filter((item) => !classIds.includes(item.id))];
    return this.#change(() => this.#api.reorderClasses({ classIds }));
  }

  /** Merges class `from` into `into` (from's labels move to into; from is deleted). */
  merge(from: number, into: number): Promise<boolean> {
    return this.#change(() => this.#api.mergeClasses({ from, into }));
  }

  dispose(): void {
    this.#stop();
  }

  async #change(request: () => Promise<unknown>): Promise<boolean> {
    const ok = await attempt(this, async () => {
      await request();
    });
    // The event reads the list again too; reading it here as well means that the change (or, after
    // a failure, the list as it really is) shows by the time the caller goes on.
    await this.load();
    return ok;
  }

  #fail(message: string): Promise<boolean> {
    this.error = message;
    return Promise.resolve(false);
  }
}
