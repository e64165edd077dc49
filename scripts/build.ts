/**
 * `npm run build` → `dist/vmlab`, one self-contained executable (Bun's
 * `--compile`: runtime + bundled code + embedded assets), plus `dist/vmlabd`
 * and `dist/vmlab-lab` as symlinks to it; the role follows argv[0].
 */
import { mkdirSync, rmSync, symlinkSync, renameSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const dist = join(root, "dist");
mkdirSync(dist, { recursive: true });
const tmp = join(dist, `.vmlab.${process.pid}`);
const result = await Bun.build({
  // Worker threads need their entry bundled as an extra entrypoint of the
  // executable; wscript/rt/run_in_worker.ts loads it at `./wscript/rt/worker_entry.ts`,
  // oci/compress_pool.ts at `./oci/compress_worker.ts`, oci/pull.ts at `./oci/hash_worker.ts` and `./oci/decode_worker.ts`.
  entrypoints: [
    join(root, "main.ts"),
    join(root, "wscript", "rt", "worker_entry.ts"),
    join(root, "oci", "compress_worker.ts"),
    join(root, "oci", "hash_worker.ts"),
    join(root, "oci", "decode_worker.ts"),
  ],
  compile: { outfile: tmp },
  minify: { syntax: true, whitespace: true },
  bytecode: false,
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
renameSync(tmp, join(dist, "vmlab"));
for (const link of ["vmlabd", "vmlab-lab"]) {
  rmSync(join(dist, link), { force: true });
  symlinkSync("vmlab", join(dist, link));
}
console.error(`built ${join(dist, "vmlab")}`);
