// What a person is waiting for (the app's files, its API calls, a thumbnail in view) against the
// background jobs of the same process. onnxruntime-node runs a batch on the main thread and holds
// the event loop until it is done, so a request arriving meanwhile waits a whole batch for each step
// it takes: the grid's thumbnails stayed black, the page itself took tens of seconds to load, while
// a pre-label run went on. The transports run each request of the app in the foreground, and a
// batch starts only once they have settled. Per process, as the event loop is.
import { setTimeout as sleep } from 'node:timers/promises';

/** How long after the last request a batch may start: a browser asks for the next thumbnail only
 * once the previous one came back, so the gap between two of a page's requests is not quiet yet. */
const settleMs = 200;
/** The longest a batch waits, so a client that never stops asking cannot stall a job. */
const maxWaitMs = 2_000;

let inFlight = 0;
let lastEnded = Number.NEGATIVE_INFINITY;

/** Serves a request of the app; batches wait until such requests have settled. */
export async function foreground<T>(serve: () => Promise<T>): Promise<T> {
  inFlight += 1;
  try {
    return await serve();
  } finally {
    inFlight -= 1;
    lastEnded = performance.now();
  }
}

/** Resolves once no request is in flight or has ended in the last `settleMs` (or after `maxWaitMs`). */
export async function foregroundSettled(): Promise<void> {
  const started = performance.now();
  for (;;) {
    const now = performance.now();
    const quietFor = now - lastEnded;
    if ((inFlight === 0 && quietFor >= settleMs) || now - started >= maxWaitMs) return;
    await sleep(inFlight > 0 ? settleMs : settleMs - quietFor);
  }
}
