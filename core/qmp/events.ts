/**
 * Fan-out of QMP asynchronous events to listeners and async-iterable streams.
 *
 * Contract: `on(name, cb)` calls `cb` synchronously for each matching event (`"*"`
 * matches all) until the returned function is called; a throwing listener is isolated
 * and does not affect others. `stream()` returns an independent async iterator that
 * buffers events from the moment it is created (at most `EVENT_QUEUE_LIMIT`; the oldest
 * are dropped and counted in `dropped`) and finishes when the hub ends (the connection
 * closed) or when the consumer breaks out of its `for await`.
 *
 * The typed map covers the events vmlab reacts to (QAPI `run-state.json`, `ui.json`);
 * others arrive with `data: Record<string, unknown>`.
 */
import type { QmpEvent } from "./messages.ts";

/** Most events a stream buffers before dropping the oldest. */
export const EVENT_QUEUE_LIMIT = 1024;

/** QAPI `ShutdownCause`. */
export type ShutdownCause =
  | "none"
  | "host-error"
  | "host-qmp-quit"
  | "host-qmp-system-reset"
  | "host-signal"
  | "host-ui"
  | "guest-shutdown"
  | "guest-reset"
  | "guest-panic"
  | "subsystem-reset"
  | "snapshot-load";

type NoData = Record<string, never>;

/** `data` of the events vmlab handles, by event name. */
export interface QmpEventMap {
  SHUTDOWN: { guest: boolean; reason: ShutdownCause };
  POWERDOWN: NoData;
  RESET: { guest: boolean; reason: ShutdownCause };
  STOP: NoData;
  RESUME: NoData;
  SUSPEND: NoData;
  WAKEUP: NoData;
  GUEST_PANICKED: { action: string; info?: Record<string, unknown> };
  VNC_CONNECTED: { server: Record<string, unknown>; client: Record<string, unknown> };
  VNC_DISCONNECTED: { server: Record<string, unknown>; client: Record<string, unknown> };
}

/** Names with a typed `data`. */
export type KnownQmpEventName = keyof QmpEventMap;

/** The event type for a name: typed for known names, generic otherwise. */
export type QmpEventOf<N extends string> = N extends KnownQmpEventName ? QmpEvent<QmpEventMap[N]> : QmpEvent;

/** An async iterator over events that can report how many it dropped. */
export interface QmpEventStream extends AsyncIterableIterator<QmpEvent> {
  /** Events discarded because the consumer fell more than `EVENT_QUEUE_LIMIT` behind. */
  readonly dropped: number;
}

type Listener = (event: QmpEvent) => void;

/** Per-connection event distributor. */
export class EventHub {
  readonly #listeners = new Set<{ name: string; cb: Listener }>();
  readonly #streams = new Set<StreamState>();
  #ended = false;

  /** Registers `cb` for events named `name` (or all with `"*"`); returns an unsubscribe function. */
  on(name: string, cb: Listener): () => void {
    const entry = { name, cb };
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  /** A new buffered stream of events matching `filter` (all when omitted). */
  stream(filter?: (event: QmpEvent) => boolean): QmpEventStream {
    const state: StreamState = { queue: [], waiter: undefined, done: this.#ended, dropped: 0, filter };
    this.#streams.add(state);
    const finish = (): IteratorResult<QmpEvent> => {
      state.done = true;
      this.#streams.delete(state);
      state.queue = [];
      return { done: true, value: undefined };
    };
    const iterator: QmpEventStream = {
      get dropped() {
        return state.dropped;
      },
      next: () => {
        const head = state.queue.shift();
        if (head) return Promise.resolve({ done: false, value: head });
        if (state.done) return Promise.resolve(finish());
        return new Promise((resolve) => (state.waiter = resolve));
      },
      return: () => {
        const w = state.waiter;
        state.waiter = undefined;
        const r = finish();
        w?.(r);
        return Promise.resolve(r);
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** Delivers one event to listeners and streams. */
  emit(event: QmpEvent): void {
    if (this.#ended) return;
    for (const l of [...this.#listeners]) {
      if (l.name !== "*" && l.name !== event.event) continue;
      try {
        l.cb(event);
      } catch {
        // A faulty listener must not break event delivery to the others.
      }
    }
    for (const s of this.#streams) {
      if (s.filter && !s.filter(event)) continue;
      if (s.waiter) {
        const w = s.waiter;
        s.waiter = undefined;
        w({ done: false, value: event });
        continue;
      }
      s.queue.push(event);
      if (s.queue.length > EVENT_QUEUE_LIMIT) {
        s.queue.shift();
        s.dropped++;
      }
    }
  }

  /** Ends all streams (after they drain) and drops listeners. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#listeners.clear();
    for (const s of this.#streams) {
      s.done = true;
      if (s.waiter) {
        const w = s.waiter;
        s.waiter = undefined;
        this.#streams.delete(s);
        w({ done: true, value: undefined });
      }
    }
  }
}

interface StreamState {
  queue: QmpEvent[];
  waiter: ((r: IteratorResult<QmpEvent>) => void) | undefined;
  done: boolean;
  dropped: number;
  filter: ((event: QmpEvent) => boolean) | undefined;
}
