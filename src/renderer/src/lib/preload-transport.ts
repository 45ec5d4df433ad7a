// Electron's transport: the preload script exposes one function per operation on window.api, each
// returning the envelope main produced, plus `onEvent`. This wraps that bridge as a Transport.
import type { OpName } from '$shared/contract';
import type { ApiEvent, Envelope, Transport } from '$shared/rpc';

/** What src/preload/index.ts puts on `window.api`. */
export type PreloadBridge = { [K in OpName]: (input: unknown) => Promise<Envelope> } & {
  onEvent(listener: (event: ApiEvent) => void): () => void;
};

export function createPreloadTransport(bridge: PreloadBridge): Transport {
  return {
    async call(op, input) {
      const send = bridge[op];
      if (typeof send !== 'function') {
        return { ok: false, error: { code: 'unknown_operation', message: `unknown operation "${op}"` } };
      }
      try {
        return await send(input ?? {});
      } catch (error) {
        // IPC itself failed (main crashed or the channel closed): fail the call, never throw raw.
        return { ok: false, error: { code: 'io_error', message: `${op}: ${(error as Error).message}` } };
      }
    },
    subscribe: (listener) => bridge.onEvent(listener),
  };
}
