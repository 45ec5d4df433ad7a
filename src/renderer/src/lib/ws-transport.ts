// The browser host's transport: the API contract over one WebSocket. Requests carry ids and resolve
// with the envelope the host answers; pushed `{event}` messages go to subscribers. A lost connection
// fails the calls it was carrying (as an `io_error` envelope, which the client throws as ApiError)
// and is re-established with exponential backoff. Free of DOM types so Node tests can drive it.
import type { OpName } from '$shared/contract';
import type { ApiEvent, ApiFailure, Envelope, Transport } from '$shared/rpc';

// Handlers are only ever assigned here, never called: compare their parameters bivariantly so the
// browser's WebSocket (handlers taking Event) and the `ws` package's both fit.
type Handler<E> = { bivariance(event: E): void }['bivariance'];

/** The part of the WebSocket API this transport uses. */
export interface SocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<unknown> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** What the host sends: an answer `{id, ok, result | error}` or a pushed `{event}`. */
interface HostMessage {
  id?: unknown;
  event?: ApiEvent;
  ok?: boolean;
  result?: unknown;
  error?: ApiFailure;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Failed attempts in a row since the last successful connection. */
  failures: number;
}

export interface WebSocketTransportOptions {
  url: string;
  /** Opens a socket; the browser's `new WebSocket(url)` by default in `api.ts`. */
  connect: (url: string) => SocketLike;
  /** First reconnect delay in ms, doubled after each failure up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface WebSocketTransport extends Transport {
  readonly status: ConnectionStatus;
  /** Calls `listener` now and on every change of the connection state. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Closes the socket for good: pending calls fail and no reconnect follows. */
  close(): void;
}

const OPEN = 1;

interface Pending {
  op: OpName;
  message: string;
  sent: boolean;
  resolve: (envelope: Envelope) => void;
}

export function createWebSocketTransport(options: WebSocketTransportOptions): WebSocketTransport {
  const initialDelay = options.initialDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 8000;
  const pending = new Map<number, Pending>();
  const listeners = new Set<(event: ApiEvent) => void>();
  const statusListeners = new Set<(status: ConnectionStatus) => void>();
  let status: ConnectionStatus = { state: 'idle', failures: 0 };
  let socket: SocketLike | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let nextId = 1;
  let closed = false;

  const setStatus = (next: ConnectionStatus) => {
    status = next;
    for (const listener of statusListeners) listener(status);
  };

  const fail = (entry: Pending, message: string) =>
    entry.resolve({ ok: false, error: { code: 'io_error', message: `${entry.op}: ${message}` } });

  function connect(): void {
    if (closed || socket) return;
    if (retryTimer) {
      clearTimeout(retryTimer);
      retryTimer = null;
    }
    let current: SocketLike;
    try {
      current = options.connect(options.url);
    } catch (error) {
      return lost(false, `cannot connect to CSRA Studio: ${(error as Error).message}`);
    }
    let opened = false;
    socket = current;
    if (status.state !== 'reconnecting') setStatus({ state: 'connecting', failures: status.failures });

    current.onopen = () => {
      opened = true;
      setStatus({ state: 'open', failures: 0 });
      for (const entry of pending.values()) {
        if (entry.sent) continue;
        entry.sent = true;
        current.send(entry.message);
      }
    };
    current.onmessage = ({ data }) => receive(data);
    current.onerror = () => {
      // Browsers give no detail here; the close that always follows does the work.
    };
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      lost(
        opened,
        opened
          ? 'the connection to CSRA Studio was lost before it answered; try again'
          : 'cannot connect to CSRA Studio; is it still running? (open the address it printed at start)',
      );
    };
  }

  /** The socket closed (or never opened): fail what it carried, then try again later. */
  function lost(opened: boolean, why: string): void {
    for (const [id, entry] of pending) {
      pending.delete(id);
      fail(entry, why);
    }
    if (closed) return setStatus({ state: 'closed', failures: status.failures });
    const failures = opened ? 0 : status.failures + 1;
    setStatus({ state: 'reconnecting', failures });
    const delay = Math.min(maxDelay, initialDelay * 2 ** Math.min(failures, 16));
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  }

  function receive(data: unknown): void {
    let message: HostMessage | null;
    try {
      message = JSON.parse(typeof data === 'string' ? data : String(data)) as HostMessage | null;
    } catch {
      return;
    }
    if (message?.event) {
      for (const listener of listeners) listener(message.event);
      return;
    }
    if (typeof message?.id !== 'number') return;
    const entry = pending.get(message.id);
    if (!entry) return;
    pending.delete(message.id);
    entry.resolve(
      message.ok
        ? { ok: true, result: (message as { result: unknown }).result }
        : {
            ok: false,
            error: message.error ?? { code: 'internal', message: `${entry.op}: malformed answer` },
          },
    );
  }

  return {
    get status() {
      return status;
    },
    call(op, input) {
      return new Promise<Envelope>((resolve) => {
        const id = nextId++;
        const entry: Pending = {
          op,
          message: JSON.stringify({ id, op, input: input ?? {} }),
          sent: false,
          resolve,
        };
        if (closed) return fail(entry, 'the connection to CSRA Studio is closed');
        pending.set(id, entry);
        if (socket?.readyState === OPEN) {
          entry.sent = true;
          socket.send(entry.message);
        } else {
          // Waiting for a reconnect would hang the caller for seconds: try at once instead.
          connect();
        }
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      connect();
      return () => listeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      if (socket) socket.close(1000, 'closed by the app');
      else setStatus({ state: 'closed', failures: status.failures });
    },
  };
}
