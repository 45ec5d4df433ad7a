/**
 * Maps items through an async function with at most `window` calls in flight, yielding results in
 * input order. Native work (sharp, onnxruntime) runs on libuv's threads, so a window keeps every
 * core busy while results are still consumed in order.
 */
export async function* mapOrdered<T, R>(
  items: readonly T[],
  window: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  let next = 0;
  const launch = () => {
    const promise = fn(items[next++]!);
    // Handled when its turn comes; this stops an early rejection counting as unhandled meanwhile.
    promise.catch(() => undefined);
    inFlight.push(promise);
  };
  try {
    while (next < items.length && inFlight.length < window) launch();
    while (inFlight.length > 0) {
      const result = await inFlight.shift()!;
      if (next < items.length) launch();
      yield result;
    }
  } finally {
    // A consumer that stops early (a job told to stop) goes on only once the calls it started are
    // over, so none of them still writes (a thumbnail, say) after the job has ended.
    await Promise.allSettled(inFlight);
  }
}
