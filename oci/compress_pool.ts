/**
 * A pool of compression workers (`compress_worker.ts`), one per core by
 * default: `compress(file, offset, length, level)` resolves to the zstd
 * frame of that slice. Jobs go to the least busy worker; callers bound how
 * many are in flight (push.ts), which bounds memory.
 */
import { availableParallelism } from "node:os";
import { CodedError } from "../core/errors/mod.ts";

function workerUrl(): string {
  if (import.meta.url.includes("$bunfs")) return "./oci/compress_worker.ts";
  return new URL("./compress_worker.ts", import.meta.url).href;
}

interface Pending {
  resolve(b: Uint8Array): void;
  reject(e: Error): void;
  worker: number;
}

export class CompressPool {
  readonly #workers: Worker[];
  readonly #busy: number[];
  readonly #pending = new Map<number, Pending>();
  #next = 1;

  constructor(size = availableParallelism()) {
    this.#workers = Array.from({ length: Math.max(1, size) }, (_, i) => {
      const w = new Worker(workerUrl());
      w.onmessage = (ev: MessageEvent<{ id: number; bytes?: Uint8Array; error?: string }>) => {
        const p = this.#pending.get(ev.data.id);
        if (!p) return;
        this.#pending.delete(ev.data.id);
        this.#busy[i] = (this.#busy[i] ?? 1) - 1;
        if (ev.data.bytes) p.resolve(ev.data.bytes);
        else p.reject(new CodedError("oci.compress_failed", `cannot compress the image: ${ev.data.error ?? "unknown error"}`, {}));
      };
      w.onerror = (ev) => {
        for (const [id, p] of this.#pending) {
          if (p.worker !== i) continue;
          this.#pending.delete(id);
          p.reject(new CodedError("oci.compress_failed", `a compression worker failed: ${ev.message}`, {}));
        }
      };
      return w;
    });
    this.#busy = this.#workers.map(() => 0);
  }

  compress(file: string, offset: number, length: number, level: number): Promise<Uint8Array> {
    const id = this.#next++;
    let w = 0;
    for (let i = 1; i < this.#workers.length; i++) if ((this.#busy[i] ?? 0) < (this.#busy[w] ?? 0)) w = i;
    this.#busy[w] = (this.#busy[w] ?? 0) + 1;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker: w });
      this.#workers[w]?.postMessage({ id, file, offset, length, level });
    });
  }

  close(): void {
    for (const w of this.#workers) w.terminate();
  }
}
