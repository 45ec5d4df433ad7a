// Turns a failed call into a sentence for the UI. ApiError messages are already written for people;
// schema failures ("op: ✖ a path is required; → at path") are tidied up a little.
import { ApiError } from '$shared/rpc';

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code !== 'invalid_request') return error.message;
    return error.message
      .replace(/^\w+: /, '')
      .replace(/✖\s*/g, '')
      .replace(/;\s*→ at (\S+)/g, ' ($1)');
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A store that shows one request at a time: whether it is in flight, and why the last one failed. */
export interface RequestState {
  busy: boolean;
  error: string | null;
}

/**
 * Runs `request` for `store`: busy while it is in flight, the last error cleared first and, if it
 * fails, its failure put there as a sentence, unless `expected` says the caller handles it.
 * Resolves with whether it succeeded; never rejects.
 */
export async function attempt(
  store: RequestState,
  request: () => Promise<void>,
  expected?: (error: ApiError) => boolean,
): Promise<boolean> {
  store.busy = true;
  store.error = null;
  try {
    await request();
    return true;
  } catch (error) {
    if (!(error instanceof ApiError && expected?.(error))) store.error = messageOf(error);
    return false;
  } finally {
    store.busy = false;
  }
}
