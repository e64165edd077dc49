/**
 * bench/oci — template push and pull to a local registry (issue 12):
 * vmlab against `skopeo copy` (zstd level 3) and the shell pipeline
 * `zstd -3 -T2 | curl` as the near-limit reference, on the same bytes, in
 * the same run.
 *
 * The image is realistic: an ext4 file system built without root by
 * `mke2fs -d` from a hard-linked copy of /usr/share (plus part of /usr/lib
 * for larger sizes), converted to qcow2 by qemu-img. Each push goes to a
 * fresh registry (so no tool finds blobs already there); each pull goes to
 * an empty destination. Raw image MB/s (10^6 bytes) and ratios are printed;
 * medians over the runs.
 *
 * Usage: bun bench/oci/run.ts [GiB=1] [runs=3]
 * Needs: docker-registry, skopeo, zstd, curl, e2fsprogs, qemu-utils.
 */
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, type TestRegistry } from "../../oci/testing/registry.ts";
import { sha256Digest } from "../../oci/media.ts";
import { vmlabBin } from "../../tests/e2e/_bin.ts";

const GIB = Number(process.argv[2] ?? 1);
const RUNS = Number(process.argv[3] ?? 3);
const work = mkdtempSync(join(tmpdir(), "vmlab-bench-oci-"));
const env = {
  ...process.env,
  NO_COLOR: "1",
  XDG_DATA_HOME: join(work, "data"),
  XDG_CONFIG_HOME: join(work, "config"),
  XDG_CACHE_HOME: join(work, "cache"),
  XDG_STATE_HOME: join(work, "state"),
  XDG_RUNTIME_DIR: join(work, "run"),
};
mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });

function sh(cmd: string[], opts: { env?: Record<string, string | undefined> } = {}): string {
  const p = Bun.spawnSync(cmd, { env: opts.env ?? env, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${p.stderr.toString().slice(0, 800)}`);
  return p.stdout.toString();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Hard-link a tree (no data copied) until about `budget` bytes are linked. */
function linkTree(src: string, dst: string, budget: { left: number }): void {
  mkdirSync(dst, { recursive: true });
  let names: string[];
  try {
    names = readdirSync(src);
  } catch {
    return;
  }
  for (const n of names) {
    if (budget.left <= 0) return;
    const s = join(src, n);
    const d = join(dst, n);
    let st;
    try {
      st = lstatSync(s);
    } catch {
      continue;
    }
    if (st.isDirectory()) linkTree(s, d, budget);
    else if (st.isFile()) {
      try {
        linkSync(s, d);
        budget.left -= st.size;
      } catch {
        // unreadable or cross-device: skip
      }
    }
  }
}

async function timed(fn: () => Promise<void> | void): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

// ---- the image -------------------------------------------------------------
const stage = join(work, "tree");
const budget = { left: GIB * 1024 ** 3 * 0.85 }; // ext4 metadata and block rounding add the rest
for (const src of ["/usr/share", "/usr/lib", "/usr/bin"]) linkTree(src, join(stage, src.slice(1).replace("/", "_")), budget);
const raw = join(work, "fs.raw");
const fsBytes = Math.ceil((GIB * 1024 ** 3 * 1.35) / 1048576);
sh(["mke2fs", "-q", "-t", "ext4", "-b", "4096", "-d", stage, "-F", raw, `${fsBytes}M`]);
const qcow = join(work, "disk.qcow2");
sh(["qemu-img", "convert", "-O", "qcow2", raw, qcow]);
rmSync(raw);
rmSync(stage, { recursive: true, force: true });
const size = statSync(qcow).size;
process.stderr.write(`image: ${(size / 1e6).toFixed(0)} MB qcow2 of an ext4 file system with /usr content\n`);
sh([vmlabBin(), "template", "import", "--ref", "x86_64/bench@1.0", qcow]);
const storeDisk = join(env.XDG_DATA_HOME, "vmlab/templates/x86_64/bench/1.0/disk.qcow2");
const digest = `sha256:${sh(["sha256sum", storeDisk]).split(" ")[0]}`;

// skopeo source: an OCI layout whose one layer is the qcow2, uncompressed
const layout = join(work, "layout");
mkdirSync(join(layout, "blobs/sha256"), { recursive: true });
linkSync(storeDisk, join(layout, "blobs/sha256", digest.slice(7)));
const cfg = new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [digest] } }));
writeFileSync(join(layout, "blobs/sha256", sha256Digest(cfg).slice(7)), cfg);
const manifest = new TextEncoder().encode(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256Digest(cfg), size: cfg.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest, size }],
  }),
);
writeFileSync(join(layout, "blobs/sha256", sha256Digest(manifest).slice(7)), manifest);
writeFileSync(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
writeFileSync(
  join(layout, "index.json"),
  JSON.stringify({
    schemaVersion: 2,
    manifests: [
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: sha256Digest(manifest),
        size: manifest.length,
        annotations: { "org.opencontainers.image.ref.name": "latest" },
      },
    ],
  }),
);

// ---- runs -------------------------------------------------------------------
type Tool = "vmlab" | "skopeo" | "zstd|curl";
const push: Record<Tool, number[]> = { vmlab: [], skopeo: [], "zstd|curl": [] };
const pull: Record<Tool, number[]> = { vmlab: [], skopeo: [], "zstd|curl": [] };
const wire: Record<Tool, number> = { vmlab: 0, skopeo: 0, "zstd|curl": 0 };
const pullEnv = { ...env, XDG_DATA_HOME: join(work, "data-pull"), XDG_CACHE_HOME: join(work, "cache-pull") };

async function curlPush(reg: TestRegistry, repo: string): Promise<string> {
  const loc = sh(["curl", "-s", "-D", "-", "-o", "/dev/null", "-X", "POST", `${reg.url}/v2/${repo}/blobs/uploads/`])
    .match(/^location: (.+)\r?$/im)?.[1]
    ?.trim();
  if (!loc) throw new Error("no upload location");
  const dfile = join(work, "curl.digest");
  const hdr = sh([
    "bash",
    "-c",
    `set -o pipefail; zstd -3 -T2 -q -c '${storeDisk}' | tee >(sha256sum > '${dfile}') | curl -s -D - -o /dev/null -X PATCH -H 'Content-Type: application/octet-stream' -T - '${loc}'`,
  ]);
  await Bun.sleep(50); // let the sha256sum process substitution finish writing
  const next = hdr.match(/^location: (.+)\r?$/im)?.[1]?.trim() ?? loc;
  const d = `sha256:${(await Bun.file(dfile).text()).split(" ")[0]}`;
  const u = new URL(next, reg.url);
  u.searchParams.set("digest", d);
  sh(["curl", "-s", "-f", "-X", "PUT", "-H", "Content-Length: 0", u.toString()]);
  return d;
}

for (let run = 0; run < RUNS; run++) {
  for (const tool of ["vmlab", "skopeo", "zstd|curl"] as Tool[]) {
    const reg = await startRegistry();
    try {
      rmSync(env.XDG_CACHE_HOME, { recursive: true, force: true });
      let blob = "";
      const t = await timed(async () => {
        if (tool === "vmlab")
          wire.vmlab = JSON.parse(sh([vmlabBin(), "template", "push", "x86_64/bench@1.0", `${reg.host}/bench/img:1.0`, "--json"])).wireBytes;
        else if (tool === "skopeo")
          sh([
            "skopeo",
            "copy",
            "-q",
            "--dest-tls-verify=false",
            "--dest-compress-format",
            "zstd",
            "--dest-compress-level",
            "3",
            `oci:${layout}:latest`,
            `docker://${reg.host}/bench/img:1.0`,
          ]);
        else blob = await curlPush(reg, "bench/img");
      });
      push[tool].push(t);
      if (tool === "zstd|curl") wire[tool] = Number(sh(["curl", "-sI", `${reg.url}/v2/bench/img/blobs/${blob}`]).match(/content-length: (\d+)/i)?.[1]);
      rmSync(pullEnv.XDG_DATA_HOME, { recursive: true, force: true });
      const dest = join(work, "pulled");
      rmSync(dest, { recursive: true, force: true });
      const p = await timed(async () => {
        if (tool === "vmlab") sh([vmlabBin(), "template", "pull", `${reg.host}/bench/img:1.0`], { env: pullEnv });
        else if (tool === "skopeo")
          sh(["skopeo", "copy", "-q", "--src-tls-verify=false", "--dest-decompress", `docker://${reg.host}/bench/img:1.0`, `oci:${dest}:latest`]);
        else sh(["bash", "-c", `set -o pipefail; curl -sf '${reg.url}/v2/bench/img/blobs/${blob}' | tee >(sha256sum > /dev/null) | zstd -d -q -c > '${dest}'`]);
      });
      pull[tool].push(p);
      if (tool === "skopeo" && run === 0)
        wire.skopeo = Number(JSON.parse(sh(["skopeo", "inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/bench/img:1.0`])).layers[0].size);
      process.stderr.write(`run ${run + 1} ${tool}: push ${t.toFixed(2)} s, pull ${p.toFixed(2)} s\n`);
    } finally {
      await reg.stop();
    }
  }
}
if (existsSync(pullEnv.XDG_DATA_HOME)) {
  const pulled = join(pullEnv.XDG_DATA_HOME, "vmlab/templates/x86_64/bench/1.0/disk.qcow2");
  if (`sha256:${sh(["sha256sum", pulled]).split(" ")[0]}` !== digest) throw new Error("vmlab pulled other bytes");
}

const mbps = (secs: number) => size / secs / 1e6;
console.log(`\nbench/oci: ${(size / 1e6).toFixed(0)} MB qcow2 (ext4 of /usr content), local docker-registry 2.8, ${RUNS} runs, medians`);
console.log("| tool | push MB/s | pull MB/s | compressed MB | push vs skopeo | pull vs skopeo |");
console.log("|---|---|---|---|---|---|");
for (const tool of ["vmlab", "skopeo", "zstd|curl"] as Tool[]) {
  const ps = mbps(median(push[tool]));
  const pl = mbps(median(pull[tool]));
  console.log(
    `| ${tool} | ${ps.toFixed(0)} | ${pl.toFixed(0)} | ${(wire[tool] / 1e6).toFixed(0)} | ${(median(push.skopeo) / median(push[tool])).toFixed(2)}x | ${(median(pull.skopeo) / median(pull[tool])).toFixed(2)}x |`,
  );
}
rmSync(work, { recursive: true, force: true });
