/**
 * bench/media — ISO and FAT image creation from folders, vmlab's in-process
 * writers against the usual host tools, in the same run (not a test).
 *
 * Folders: `small` (1 000 files of 1–8 KiB in 20 folders) and `big` (one
 * file, 2 GiB by default; `--big-mib N` for quick runs). Contenders, run
 * alternately so drift hits both alike, output deleted after each run:
 *   ISO: writeIso (Joliet + Rock Ridge) vs `xorriso -as mkisofs -iso-level 3 -J -R`
 *   FAT: writeFat (sized to the content) vs `mkfs.fat -C` of the same size and
 *        FAT type + `mcopy -s` of the folder (what a script would do)
 * Sources are read through the page cache in every run (the first, warm-up
 * run of each pair is not counted). Prints every sample, medians and the
 * ratio vmlab/peer (below 1 = vmlab faster).
 *
 * Usage: bun bench/media/run.ts [--runs 5] [--big-mib 2048] [--dir /tmp]
 */
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeSync, writeFileSync, readdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFat } from "../../core/media/fat.ts";
import { writeIso } from "../../core/media/iso.ts";

function arg(name: string, dflt: number | string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : String(dflt);
}
const RUNS = Number(arg("runs", 5));
const BIG_MIB = Number(arg("big-mib", 2048));
const root = mkdtempSync(join(arg("dir", tmpdir()), "vmlab-bench-media-"));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function sh(cmd: string[]): void {
  const p = Bun.spawnSync(cmd, { stdout: "ignore", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${p.stderr.toString()}`);
}

function makeFolders(): { small: string; big: string } {
  const small = join(root, "small");
  for (let i = 0; i < 1000; i++) {
    const d = join(small, `dir${i % 20}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `file-${i}.dat`), randomBytes(1024 + ((i * 7919) % 7168)));
  }
  const big = join(root, "big");
  mkdirSync(big);
  const fd = openSync(join(big, "payload.bin"), "w");
  const chunk = randomBytes(8 << 20);
  for (let left = BIG_MIB * 1048576; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  closeSync(fd);
  return { small, big };
}

async function time(fn: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

interface Row {
  what: string;
  ours: number[];
  peer: number[];
  peerName: string;
}

async function pair(what: string, peerName: string, ours: (out: string) => Promise<unknown>, peer: (out: string) => void): Promise<Row> {
  const row: Row = { what, ours: [], peer: [], peerName };
  const out = join(root, "out.img");
  for (let i = 0; i <= RUNS; i++) {
    const a = await time(() => ours(out).then(() => undefined));
    rmSync(out, { force: true });
    const b = await time(() => peer(out));
    rmSync(out, { force: true });
    if (i === 0) continue; // warm-up
    row.ours.push(a);
    row.peer.push(b);
    console.log(`  ${what}: vmlab ${a.toFixed(0)} ms, ${peerName} ${b.toFixed(0)} ms`);
  }
  return row;
}

const { small, big } = makeFolders();
console.log(`bench/media: ${RUNS} runs, small = 1 000 files, big = ${BIG_MIB} MiB, in ${root}`);
const rows: Row[] = [];
try {
  for (const [name, dir] of [
    ["1 000 small files", small],
    [`one ${BIG_MIB} MiB file`, big],
  ] as const) {
    rows.push(
      await pair(
        `ISO  ${name}`,
        "xorriso -as mkisofs",
        (o) => writeIso(dir, o, { label: "BENCH" }),
        (o) => sh(["xorriso", "-as", "mkisofs", "-quiet", "-iso-level", "3", "-J", "-R", "-V", "BENCH", "-o", o, dir]),
      ),
    );
    // Peer gets the same volume size and FAT type our writer picked.
    const probe = await writeFat(dir, join(root, "probe.img"), { label: "BENCH" });
    rmSync(join(root, "probe.img"));
    rows.push(
      await pair(
        `FAT${probe.fatType} ${name}`,
        "mkfs.fat + mcopy",
        (o) => writeFat(dir, o, { label: "BENCH" }),
        (o) => {
          sh(["mkfs.fat", "-F", String(probe.fatType), "-n", "BENCH", "-C", o, String(probe.bytes / 1024)]);
          sh(["mcopy", "-s", "-i", o, ...readdirSync(dir).map((n) => join(dir, n)), "::/"]);
        },
      ),
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log("\n| image | vmlab median | peer | peer median | vmlab/peer |\n|---|---|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.what} | ${median(r.ours).toFixed(0)} ms | ${r.peerName} | ${median(r.peer).toFixed(0)} ms | ${(median(r.ours) / median(r.peer)).toFixed(2)} |`,
  );
