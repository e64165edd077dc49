/**
 * Asynchronous `qemu-img convert` into the store, with progress.
 *
 * Contract: `flattenToQcow2(src, dest)` writes a standalone qcow2 at `dest`
 * (every backing file merged in, so the result depends on nothing outside
 * the store) without blocking the event loop — the supervisor keeps serving
 * while a many-GiB disk is adopted. Progress comes from `qemu-img -p`, which
 * prints `(12.34/100%)` records separated by `\r`. The source format is
 * fixed to qcow2 (never probed). Failure is a
 * `store.disk_invalid` StoreError carrying qemu-img's own message; `dest`
 * is removed on failure. `core/qemu/img.ts` has the synchronous variant.
 */
import { rmSync } from "node:fs";
import { StoreError } from "./errors.ts";

/** Progress callback: fraction done, 0..1. */
export type FractionProgress = (fraction: number) => void;

const PROGRESS_RECORD = /\((\d+(?:\.\d+)?)\/100%\)/g;

export async function flattenToQcow2(
  src: string,
  dest: string,
  opts: { readonly binary?: string; readonly onProgress?: FractionProgress; readonly compress?: boolean } = {},
): Promise<void> {
  // Under `setpriv --pdeathsig KILL` when available: a killed CLI takes its qemu-img along.
  const setpriv = Bun.which("setpriv");
  const argv = [opts.binary ?? "qemu-img", "convert", "-p", ...(opts.compress ? ["-c"] : []), "-f", "qcow2", "-O", "qcow2", src, dest];
  const proc = Bun.spawn(setpriv ? [setpriv, "--pdeathsig", "KILL", "--", ...argv] : argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const readProgress = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      for (const m of decoder.decode(chunk, { stream: true }).matchAll(PROGRESS_RECORD)) opts.onProgress?.(Number(m[1]) / 100);
    }
  })();
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text(), readProgress]);
  if (code !== 0) {
    rmSync(dest, { force: true });
    const detail = stderr.trim().replace(/^qemu-img: /, "") || `qemu-img convert exited ${code}`;
    throw new StoreError({
      code: "store.disk_invalid",
      path: src,
      message: `cannot convert ${src} into the store: ${detail}`,
      hint: "give a disk image qemu-img can read (qcow2 or raw) whose backing files, if any, are present",
    });
  }
}
