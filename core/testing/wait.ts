/**
 * The one poll-and-wait helper for tests (unit, integration and e2e): ask a
 * probe until it holds, then go on — instead of sleeping a fixed time and
 * hoping. Use it only where no event can be awaited directly; a promise that
 * settles on the event itself is better still.
 *
 * `waitFor` rejects with `timed out after N ms waiting for <what>` so a
 * failing test says what never happened; `eventually` resolves false instead,
 * for tests that assert something does *not* happen within a time.
 */

/** How long to keep asking, and how often. */
export interface WaitOptions {
  /** Give up after this long (default 5 s). */
  readonly timeoutMs?: number;
  /** Pause between two probes (default 10 ms). */
  readonly intervalMs?: number;
}

/** Default deadline of `waitFor` and `eventually`. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5_000;
/** Default pause between probes. */
export const DEFAULT_WAIT_INTERVAL_MS = 10;

type Probe<T> = () => T | undefined | false | Promise<T | undefined | false>;

/**
 * Poll `probe` until it returns something other than `undefined` or `false`
 * and resolve with that value; reject naming `what` after the deadline.
 * A number for `opts` is the timeout in ms.
 */
export async function waitFor<T>(what: string, probe: Probe<T>, opts: WaitOptions | number = {}): Promise<T> {
  const o = typeof opts === "number" ? { timeoutMs: opts } : opts;
  const timeoutMs = o.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(o.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS);
  }
}

/** Poll `cond` until it holds (true) or the deadline passes (false). */
export async function eventually(cond: () => boolean | Promise<boolean>, opts: WaitOptions = {}): Promise<boolean> {
  try {
    await waitFor("the condition", async () => (await cond()) || undefined, opts);
    return true;
  } catch {
    return false;
  }
}
