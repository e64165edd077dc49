/**
 * Builds `tiny-linux.qcow2`, the tiny test guest every QEMU test boots.
 *
 * Theory of operation (DESIGN §6): everything comes from Debian packages and
 * nothing needs root or loop mounts.
 *   1. `apt-get download` the cloud kernel, busybox-static, qemu-guest-agent
 *      and dropbear (with the two libraries of its own it needs) and unpack
 *      them with `dpkg-deb -x` into a scratch folder.
 *   2. Assemble an initramfs: busybox (init + applets), the kernel modules the
 *      guest needs (`scripts/tiny/modules.list`, loaded in that order by
 *      `/etc/rc.sysinit`; the order follows each module's `depends=` in its
 *      `.modinfo`: virtio, disks and cdroms, isofs/vfat/nls, cifs, virtiofs),
 *      qemu-ga and dropbear with the shared libraries `ldd` lists (dropbear
 *      is installed, not started: an ssh helper starts it), and the small
 *      shell scripts in `scripts/tiny/` (agent respawn loop, DHCP on every
 *      NIC, power button). The TPM drivers are built into Debian's cloud
 *      kernel (CONFIG_TCG_TIS/CRB=y), so nothing is loaded for them.
 *   3. Make a FAT "superfloppy" image (`mkfs.vfat` on the file,
 *      `syslinux --install` on the file, files copied with `mcopy`) and convert
 *      it to qcow2 with `qemu-img`. SeaBIOS boots its volume boot record;
 *      OVMF boots `/EFI/BOOT/BOOTX64.EFI` (syslinux-efi's `syslinux.efi` with
 *      `ldlinux.e64` and the same `syslinux.cfg` beside it) from the same FAT
 *      file system — EDK2 mounts a partition-less FAT volume as removable
 *      media, so one image serves both firmwares.
 *
 * The result is cached under `$XDG_CACHE_HOME/vmlab/tiny-template/<hash>/`,
 * where the hash covers the package versions, the copied host libraries and
 * every file of this builder, so a changed input rebuilds and an unchanged
 * one is instant. The cache entry is written to a temp folder and renamed, so
 * an interrupted build never leaves a half-made image behind.
 *
 * Prints the absolute path of the qcow2 as its last line.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  chmodSync,
  copyFileSync,
  symlinkSync,
  statSync,
  mkdtempSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** Debian packages the guest is made of. The kernel meta-package is resolved to its versioned image. */
const KERNEL_META = "linux-image-cloud-amd64";
const PACKAGES = ["busybox-static", "qemu-guest-agent", "dropbear-bin", "libtomcrypt1", "libtommath1"] as const;
/** Host packages whose libraries are copied next to qemu-ga (they are inputs of the image). */
const HOST_LIBRARY_PACKAGES = ["libc6", "libglib2.0-0", "libudev1", "libnuma1", "liburing2", "libpcre2-8-0", "zlib1g", "libcrypt1"] as const;
/** UEFI boot loader files (Debian syslinux-efi, syslinux-common). */
const EFI_LOADER = "/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi";
const EFI_LDLINUX = "/usr/lib/syslinux/modules/efi64/ldlinux.e64";
/** Size of the FAT boot image; the kernel and initramfs take about 20 MiB. */
const DISK_SIZE_MIB = 64;
/** Bumped when the layout of the image changes in a way the hash would not see. */
const FORMAT_VERSION = "2";

const HERE = dirname(new URL(import.meta.url).pathname);
const GUEST_FILES = join(HERE, "tiny");

function run(cmd: string[], opts: { cwd?: string; stdin?: Uint8Array } = {}): string {
  const p = Bun.spawnSync(cmd, { cwd: opts.cwd, stdin: opts.stdin ?? "ignore", stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) {
    throw new Error(`Cannot build the tiny template: \`${cmd.join(" ")}\` exited ${p.exitCode}\n${p.stderr.toString().trim()}`);
  }
  return p.stdout.toString();
}

function need(tool: string, pkg: string): void {
  const found = Bun.which(tool) ?? (existsSync(`/usr/sbin/${tool}`) ? `/usr/sbin/${tool}` : null);
  if (!found) throw new Error(`Cannot build the tiny template: \`${tool}\` is missing (apt-get install ${pkg})`);
}

function tool(name: string): string {
  return Bun.which(name) ?? `/usr/sbin/${name}`;
}

/** Resolve the kernel meta-package to the versioned image package it depends on. */
function kernelPackage(): string {
  const out = run(["apt-cache", "depends", KERNEL_META]);
  const m = /Depends:\s*(linux-image-[0-9][^\s]*-cloud-amd64)\b/.exec(out);
  if (!m?.[1]) throw new Error(`Cannot build the tiny template: cannot resolve ${KERNEL_META} (run apt-get update)`);
  return m[1];
}

function candidateVersion(pkg: string): string {
  const out = run(["apt-cache", "policy", pkg]);
  const m = /Candidate:\s*(\S+)/.exec(out);
  if (!m?.[1] || m[1] === "(none)") throw new Error(`Cannot build the tiny template: package ${pkg} is not available (run apt-get update)`);
  return m[1];
}

function installedVersion(pkg: string): string {
  const p = Bun.spawnSync(["dpkg-query", "-W", "-f", "${Version}", pkg], { stdout: "pipe", stderr: "pipe" });
  return p.exitCode === 0 ? p.stdout.toString() : "absent";
}

function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "vmlab", "tiny-template");
}

function hashGuestFiles(h: ReturnType<typeof createHash>): void {
  for (const f of readdirSync(GUEST_FILES).sort()) {
    h.update(`file:${f}\n`);
    h.update(readFileSync(join(GUEST_FILES, f)));
  }
  h.update(readFileSync(new URL(import.meta.url).pathname));
}

/**
 * Shared libraries a binary needs (from `ldd`), as `{ src, dest }`: `dest` is
 * the path inside the guest. Libraries unpacked from downloaded packages
 * (under `x`) are found through LD_LIBRARY_PATH and land at their Debian path.
 */
function libraries(binary: string, x: string): { src: string; dest: string }[] {
  const extracted = join(x, "usr/lib/x86_64-linux-gnu");
  const p = Bun.spawnSync(["ldd", binary], { env: { ...process.env, LD_LIBRARY_PATH: extracted }, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`Cannot build the tiny template: \`ldd ${binary}\` exited ${p.exitCode}\n${p.stderr.toString().trim()}`);
  const libs: { src: string; dest: string }[] = [];
  for (const line of p.stdout.toString().split("\n")) {
    if (line.includes("not found")) {
      throw new Error(
        `Cannot build the tiny template: ${binary} needs ${line.trim().split(" ")[0]}, which is not on this host (apt-get install qemu-system-x86 pulls in its libraries)`,
      );
    }
    const m = /(\/\S+)\s+\(0x/.exec(line);
    if (!m?.[1]) continue;
    const src = m[1];
    libs.push({ src, dest: src.startsWith(x + "/") ? src.slice(x.length) : src });
  }
  return libs;
}

function findModules(modRoot: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ko")) found.set(e.name.slice(0, -3), p);
    }
  };
  walk(modRoot);
  return found;
}

function buildImage(work: string, kernelPkg: string, out: string): void {
  const debs = join(work, "debs");
  const x = join(work, "x");
  mkdirSync(debs, { recursive: true });
  mkdirSync(x, { recursive: true });
  run(["apt-get", "download", kernelPkg, ...PACKAGES], { cwd: debs });
  for (const deb of readdirSync(debs)) run(["dpkg-deb", "-x", join(debs, deb), x]);

  const root = join(work, "initramfs");
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "etc/acpi/PWRF", "lib/modules", "lib64", "proc", "sys", "dev", "run", "tmp", "var", "root"]) {
    mkdirSync(join(root, d), { recursive: true });
  }
  // busybox and one symlink per applet.
  copyFileSync(join(x, "bin/busybox"), join(root, "bin/busybox"));
  chmodSync(join(root, "bin/busybox"), 0o755);
  const applets = run([join(x, "bin/busybox"), "--list"])
    .split("\n")
    .filter((a) => a && a !== "busybox");
  for (const a of applets) symlinkSync("busybox", join(root, "bin", a));
  symlinkSync("bin/busybox", join(root, "init"));
  symlinkSync("../bin/busybox", join(root, "sbin/init"));

  // Kernel modules, flat, in load order.
  const kver = readdirSync(join(x, "lib/modules"))[0];
  if (!kver) throw new Error("Cannot build the tiny template: the kernel package has no modules");
  const mods = findModules(join(x, "lib/modules", kver));
  const order = readFileSync(join(GUEST_FILES, "modules.list"), "utf8").split("\n").filter(Boolean);
  for (const m of order) {
    const src = mods.get(m);
    if (!src) throw new Error(`Cannot build the tiny template: module ${m}.ko is not in ${kernelPkg}`);
    copyFileSync(src, join(root, "lib/modules", `${m}.ko`));
  }
  writeFileSync(join(root, "etc/modules.order"), order.join("\n") + "\n");

  // qemu-ga and dropbear with their libraries, at the paths the dynamic loader expects.
  for (const bin of ["usr/sbin/qemu-ga", "usr/sbin/dropbear", "usr/bin/dropbearkey"]) {
    copyFileSync(join(x, bin), join(root, bin));
    chmodSync(join(root, bin), 0o755);
    for (const lib of libraries(join(x, bin), x)) {
      const dest = join(root, lib.dest);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(lib.src, dest);
    }
  }
  mkdirSync(join(root, "etc/dropbear"), { recursive: true });

  // Guest scripts and configuration.
  const exe = (src: string, dest: string): void => {
    copyFileSync(join(GUEST_FILES, src), join(root, dest));
    chmodSync(join(root, dest), 0o755);
  };
  exe("rc.sysinit", "etc/rc.sysinit");
  exe("rc.shutdown", "etc/rc.shutdown");
  exe("agent-loop", "etc/agent-loop");
  exe("netwatch", "etc/netwatch");
  exe("udhcpc.script", "etc/udhcpc.script");
  exe("shutdown", "sbin/shutdown");
  exe("power-button", "etc/acpi/PWRF/00000080");
  copyFileSync(join(GUEST_FILES, "inittab"), join(root, "etc/inittab"));
  const debVersion = candidateVersion("busybox-static");
  writeFileSync(join(root, "etc/acpid.conf"), "PWRF PWRF/00000080\n");
  writeFileSync(join(root, "etc/hostname"), "tiny\n");
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\n");
  writeFileSync(join(root, "etc/profile"), 'export PATH=/bin:/sbin:/usr/bin:/usr/sbin\nexport PS1="tiny# "\n');
  writeFileSync(join(root, "etc/resolv.conf"), "");
  writeFileSync(
    join(root, "etc/os-release"),
    `NAME="vmlab tiny linux"\nID=vmlab-tiny\nID_LIKE=debian\nPRETTY_NAME="vmlab tiny linux (kernel ${kver})"\nVERSION_ID="${FORMAT_VERSION}"\nVERSION="${FORMAT_VERSION} (busybox ${debVersion})"\n`,
  );
  writeFileSync(join(root, "etc/banner"), `\nvmlab tiny linux — kernel ${kver}\nroot shell on tty1 and ttyS0; qemu-ga on org.qemu.guest_agent.0\n\n`);

  // gzip'd newc cpio of the tree.
  const list = run(["find", ".", "-mindepth", "1"], { cwd: root });
  const cpio = Bun.spawnSync(["cpio", "--quiet", "-o", "-H", "newc", "--owner=0:0"], {
    cwd: root,
    stdin: new TextEncoder().encode(list),
    stdout: "pipe",
    stderr: "pipe",
  });
  if (cpio.exitCode !== 0) throw new Error(`Cannot build the tiny template: cpio failed\n${cpio.stderr.toString()}`);
  writeFileSync(join(work, "initrd.gz"), Bun.gzipSync(new Uint8Array(cpio.stdout), { level: 6 }));
  copyFileSync(join(x, "boot", `vmlinuz-${kver}`), join(work, "vmlinuz"));

  // FAT superfloppy with syslinux, then qcow2.
  const img = join(work, "disk.img");
  writeFileSync(img, new Uint8Array(0));
  run(["truncate", "-s", `${DISK_SIZE_MIB}M`, img]);
  run([tool("mkfs.vfat"), "-n", "TINY", img]);
  run(["syslinux", "--install", img]);
  const mtoolsEnv = { ...process.env, MTOOLS_SKIP_CHECK: "1" };
  for (const f of ["vmlinuz", "initrd.gz"]) {
    const p = Bun.spawnSync(["mcopy", "-i", img, join(work, f), `::/${f}`], { env: mtoolsEnv, stdout: "pipe", stderr: "pipe" });
    if (p.exitCode !== 0) throw new Error(`Cannot build the tiny template: mcopy ${f} failed\n${p.stderr.toString()}`);
  }
  const mcopy = (args: string[], what: string): void => {
    const p = Bun.spawnSync(["mcopy", "-i", img, ...args], { env: mtoolsEnv, stdout: "pipe", stderr: "pipe" });
    if (p.exitCode !== 0) throw new Error(`Cannot build the tiny template: mcopy ${what} failed\n${p.stderr.toString()}`);
  };
  mcopy([join(GUEST_FILES, "syslinux.cfg"), "::/syslinux.cfg"], "syslinux.cfg");
  // The UEFI path: the removable-media loader name, ldlinux.e64 and the same config beside it.
  const mmd = Bun.spawnSync(["mmd", "-i", img, "::/EFI", "::/EFI/BOOT"], { env: mtoolsEnv, stdout: "pipe", stderr: "pipe" });
  if (mmd.exitCode !== 0) throw new Error(`Cannot build the tiny template: mmd /EFI/BOOT failed\n${mmd.stderr.toString()}`);
  mcopy([EFI_LOADER, "::/EFI/BOOT/BOOTX64.EFI"], "BOOTX64.EFI");
  mcopy([EFI_LDLINUX, "::/EFI/BOOT/ldlinux.e64"], "ldlinux.e64");
  mcopy([join(GUEST_FILES, "syslinux.cfg"), "::/EFI/BOOT/syslinux.cfg"], "EFI syslinux.cfg");
  run(["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", img, out]);
}

/** Build (or find in the cache) the tiny template; returns the qcow2 path. */
export function tinyTemplate(log: (s: string) => void = (s) => process.stderr.write(s + "\n")): string {
  for (const [t, pkg] of [
    ["apt-get", "apt"],
    ["dpkg-deb", "dpkg"],
    ["cpio", "cpio"],
    ["syslinux", "syslinux"],
    ["mcopy", "mtools"],
    ["mkfs.vfat", "dosfstools"],
    ["qemu-img", "qemu-utils"],
    ["ldd", "libc-bin"],
  ] as const)
    need(t, pkg);
  for (const f of [EFI_LOADER, EFI_LDLINUX]) {
    if (!existsSync(f))
      throw new Error(`Cannot build the tiny template: ${f} is missing (apt-get install ${f === EFI_LOADER ? "syslinux-efi" : "syslinux-common"})`);
  }
  const kernelPkg = kernelPackage();
  const h = createHash("sha256");
  h.update(`format:${FORMAT_VERSION}\n`);
  for (const pkg of [kernelPkg, ...PACKAGES, "syslinux", "syslinux-common", "syslinux-efi"]) h.update(`${pkg}=${candidateVersion(pkg)}\n`);
  hashGuestFiles(h);
  // The host libraries copied next to qemu-ga are inputs too.
  for (const lib of HOST_LIBRARY_PACKAGES) h.update(`${lib}=${installedVersion(lib)}\n`);
  const key = h.digest("hex").slice(0, 16);
  const dir = join(cacheRoot(), key);
  const out = join(dir, "tiny-linux.qcow2");
  if (existsSync(out) && statSync(out).size > 0) return out;

  log(`building tiny template ${key} from ${kernelPkg} + ${PACKAGES.join(" + ")} …`);
  mkdirSync(cacheRoot(), { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "vmlab-tiny-"));
  try {
    const stage = mkdtempSync(join(cacheRoot(), `.${key}-`));
    buildImage(work, kernelPkg, join(stage, "tiny-linux.qcow2"));
    rmSync(dir, { recursive: true, force: true });
    renameSync(stage, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return resolve(out);
}

if (import.meta.main) {
  try {
    console.log(tinyTemplate());
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
