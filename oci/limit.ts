/**
 * A counting semaphore for bounded concurrency (compression jobs, chunk
 * transfers): `run(fn)` waits for a free slot, so memory in flight stays
 * bounded by slots × job size.
 */
export class Limit {
  #free: number;
  readonly #waiters: (() => void)[] = [];

  constructor(slots: number) {
    this.#free = Math.max(1, Math.floor(slots));
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiters.push(r));
    try {
      return await fn();
    } finally {
      const next = this.#waiters.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** Run `fn` over `items` with at most `slots` at once; rejects on the first failure after the running ones settle. */
export async function forEachLimited<T>(items: readonly T[], slots: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { e: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, slots), items.length) }, worker));
  if (failure) throw failure.e;
}
