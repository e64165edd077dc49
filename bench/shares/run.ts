/**
 * bench/shares — shared-folder throughput inside a real tiny guest (TCG here), from
 * the compiled binary (issue 13): the same guest writes and reads one sequential
 * file and a tree of small files on
 *
 *   disk      its own extra virtio disk (FAT32, `disk "scratch" {}`) — the peer;
 *   smb       an SMB share (smbd per lab, proxied at <gateway>:445 by the fabric);
 *   virtiofs  a virtiofs share (virtiofsd + vhost-user-fs).
 *
 * Sequential write = `cp` of a urandom file from guest RAM (so the source costs the
 * same for all), then `sync`; read = `cat > /dev/null` after dropping the guest's
 * page cache. Every transport's copy is checked on the host: same size and sha256
 * as in the guest (no byte lost on the bulk write). Small files = a shell loop
 * creating N files, then `sync`. Times are host wall clock around `vmlab exec`, minus
 * the median of an empty `vmlab exec` measured in the same run. Prints every sample,
 * medians, MB/s, files/s, and ratios to the VM's own disk.
 *
 * Usage: bun bench/shares/run.ts [MiB=128] [files=1000] [runs=3]
 * (the issue asks for 1 GiB and 5 000 files: pass 1024 5000 on a machine with KVM;
 *  under TCG here that takes many minutes per transport)
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TINY_REF, World } from "../../tests/e2e/_lab.ts";

const MIB = Number(process.argv[2] ?? 128);
const FILES = Number(process.argv[3] ?? 1000);
const RUNS = Number(process.argv[4] ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const w = new World("vmlab-bsh-");
try {
  await w.adoptTiny();
  const dir = w.lab(
    "bsh",
    `lab "bsh" {
  segment "lan" {}
  vm "g" {
    template = "${TINY_REF}"
    memory   = ${Math.max(512, MIB + 256)}MiB
    nic { segment = "lan" }
    disk "scratch" { from = "./scratch" size = ${Math.max(1, Math.ceil((MIB * 2 + 256) / 1024))}GiB }
    share { host = "./smb" guest = "/mnt/smb" }
    share { host = "./vfs" guest = "/mnt/vfs" transport = "virtiofs" }
  }
}
`,
  );
  for (const d of ["scratch", "smb", "vfs"]) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, "scratch", "README"), "the VM's own scratch disk\n");
  const up = w.vmlab(["up", "-q"], { cwd: dir });
  if (up.code !== 0) throw new Error(`up failed: ${up.stderr}`);
  const exec = (cmd: string) => {
    const t0 = performance.now();
    const r = w.vmlab(["exec", "g", "--timeout", "3600", "--", "/bin/sh", "-c", cmd], { cwd: dir });
    if (r.code !== 0) throw new Error(`${cmd}: ${r.stderr}${r.stdout}`);
    return { ms: performance.now() - t0, out: r.stdout };
  };
  exec("p=$(ls -d /sys/block/vd*/vd*1 | tail -1); mkdir -p /mnt/disk && mount -t vfat /dev/${p##*/} /mnt/disk");
  const empty = median(Array.from({ length: 5 }, () => exec("true").ms));
  exec(`dd if=/dev/urandom of=/root/src.bin bs=1048576 count=${MIB} 2>/dev/null`);
  const guestSum = exec("sha256sum /root/src.bin").out.split(" ")[0];
  const where = { disk: "/mnt/disk", smb: "/mnt/smb", virtiofs: "/mnt/vfs" } as const;
  const hostDir = { smb: join(dir, "smb"), virtiofs: join(dir, "vfs") } as const;
  const res: Record<string, { write: number[]; read: number[]; small: number[] }> = {};
  for (const [name, path] of Object.entries(where)) {
    const r = (res[name] = { write: [] as number[], read: [] as number[], small: [] as number[] });
    for (let i = 0; i < RUNS; i++) {
      exec(`rm -rf ${path}/big.bin ${path}/tree; sync`);
      r.write.push(exec(`cp /root/src.bin ${path}/big.bin && sync`).ms - empty);
      if (name !== "disk") {
        const host = readFileSync(join(hostDir[name as "smb" | "virtiofs"], "big.bin"));
        const sum = createHash("sha256").update(host).digest("hex");
        if (host.byteLength !== MIB * 1048576 || sum !== guestSum)
          throw new Error(`${name}: the host copy differs (${host.byteLength} bytes, sha256 ${sum} vs ${guestSum})`);
      }
      exec("sync; echo 3 > /proc/sys/vm/drop_caches");
      r.read.push(exec(`cat ${path}/big.bin > /dev/null`).ms - empty);
      r.small.push(exec(`mkdir ${path}/tree && i=0; while [ $i -lt ${FILES} ]; do echo $i > ${path}/tree/f$i; i=$((i+1)); done; sync`).ms - empty);
    }
    console.log(
      `${name}: write ms ${r.write.map(Math.round).join(" ")} | read ms ${r.read.map(Math.round).join(" ")} | ${FILES} files ms ${r.small.map(Math.round).join(" ")}`,
    );
  }
  const mbps = (ms: number) => (MIB * 1.048576) / (ms / 1000);
  const base = res.disk as { write: number[]; read: number[]; small: number[] };
  console.log(
    `\n${MIB} MiB sequential, ${FILES} small files, ${RUNS} runs, medians (empty exec ${Math.round(empty)} ms subtracted); sha256 of every share copy verified on the host\n`,
  );
  console.log("transport   write MB/s  read MB/s  files/s   write×disk  read×disk  files×disk");
  for (const [name, r] of Object.entries(res)) {
    const wv = mbps(median(r.write));
    const rv = mbps(median(r.read));
    const fv = FILES / (median(r.small) / 1000);
    const ratio = (a: number, b: number) => (a / b).toFixed(2).padStart(10);
    console.log(
      `${name.padEnd(10)} ${wv.toFixed(1).padStart(10)} ${rv.toFixed(1).padStart(10)} ${fv.toFixed(0).padStart(8)} ${ratio(wv, mbps(median(base.write)))} ${ratio(rv, mbps(median(base.read)))} ${ratio(fv, FILES / (median(base.small) / 1000))}`,
    );
  }
  w.vmlab(["down", "-q"], { cwd: dir });
} finally {
  w.teardown();
}
