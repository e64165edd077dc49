#!/usr/bin/env node
/**
 * The entry behind `npm test`, `npm run demo` and `npm run tiny-template`.
 *
 * Plain Node with no dependencies, because it runs before `npm ci`. Each
 * target does all of its own set-up on a fresh Debian/Ubuntu machine:
 *   1. host packages: missing ones are installed with apt-get when running as
 *      root; otherwise the exact `apt-get install …` line is printed and the
 *      run stops with status 1;
 *   2. `npm ci` when node_modules is missing or older than package-lock.json;
 *   3. `npm run build` → dist/vmlab;
 *   4. the tiny test template (cached under $XDG_CACHE_HOME);
 *   5. the target itself.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bun = join(root, "node_modules", ".bin", "bun");

/** Host packages each target needs (Debian names). */
const TEMPLATE_PACKAGES = ["qemu-utils", "syslinux", "syslinux-common", "syslinux-efi", "mtools", "dosfstools", "cpio", "apt", "dpkg"];
const PACKAGES = {
  "tiny-template": TEMPLATE_PACKAGES,
  demo: ["qemu-system-x86", ...TEMPLATE_PACKAGES],
  // tesseract-ocr: OCR (wait_for_text) tests; util-linux: setpriv, which ties QEMU to its lab daemon;
  // ovmf: UEFI and secure-boot firmware tests; swtpm: `tpm = true` tests; isolinux: the El Torito installer ISO of the template-build test;
  // docker-registry: the OCI registry the push/pull tests run (on 127.0.0.1, with their own config);
  // xorriso, genisoimage (isoinfo), dosfstools (fsck.fat), mtools: cross-checks of core/media's images, never used at run time;
  // tcpdump: reads the pcapng files `vmlab capture` writes (a cross-check, never used at run time);
  // iproute2 + iputils-ping: the VXLAN test's network namespace with a kernel vxlan device pings a segment.
  // samba + smbclient + libnss-wrapper (+ libuid-wrapper when not root): shared folders (smbd per lab, per-VM accounts).
  test: [
    "qemu-system-x86",
    "zstd",
    "tesseract-ocr",
    "util-linux",
    "ovmf",
    "swtpm",
    "isolinux",
    "docker-registry",
    "xorriso",
    "genisoimage",
    "samba",
    "smbclient",
    "libnss-wrapper",
    "libuid-wrapper",
    "tcpdump",
    "iproute2",
    "iputils-ping",
    ...TEMPLATE_PACKAGES,
  ],
  // (bench/ additionally uses lua5.4, python3-opencv, iperf3, passt, slirp4netns, gcc, chromium, skopeo,
  // e2fsprogs — see README.)
};

function log(msg) {
  process.stderr.write(`[vmlab setup] ${msg}\n`);
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    stdio: opts.capture ? ["ignore", "pipe", "pipe"] : "inherit",
    cwd: root,
    env: { ...process.env, ...(opts.env ?? {}) },
    encoding: "utf8",
  });
  if (r.error) throw r.error;
  return r;
}

function installed(pkg) {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

function aptListsEmpty() {
  const r = spawnSync("apt-cache", ["policy", "linux-image-cloud-amd64"], { encoding: "utf8" });
  return r.status !== 0 || !/Candidate:\s*[0-9]/.test(r.stdout);
}

function ensurePackages(pkgs) {
  const missing = pkgs.filter((p) => !installed(p));
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const needLists = aptListsEmpty();
  if (missing.length === 0 && !needLists) return;
  if (!isRoot) {
    if (missing.length) {
      process.stderr.write(`vmlab needs these host packages. Install them and run again:\n  sudo apt-get install -y ${missing.join(" ")}\n`);
    } else {
      process.stderr.write("vmlab builds its test guest from Debian packages, and the package lists are empty. Run:\n  sudo apt-get update\n");
    }
    process.exit(1);
  }
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  log("apt-get update");
  if (sh("apt-get", ["update", "-q"], { env }).status !== 0) process.exit(1);
  if (missing.length) {
    log(`apt-get install ${missing.join(" ")}`);
    if (sh("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { env }).status !== 0) process.exit(1);
  }
  if (missing.includes("docker-registry")) quietRegistryService();
}

/**
 * Debian's docker-registry package starts a service whose config listens on
 * every interface; the tests start their own registries on 127.0.0.1, so
 * the packaged one is stopped and kept from starting at boot.
 */
function quietRegistryService() {
  for (const [cmd, ...args] of [
    ["service", "docker-registry", "stop"],
    ["update-rc.d", "docker-registry", "disable"],
    ["systemctl", "disable", "--now", "docker-registry"],
  ]) {
    spawnSync(cmd, args, { stdio: "ignore" }); // whichever init tools exist; absent ones are fine
  }
}

function ensureNodeModules() {
  const marker = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  if (existsSync(marker) && existsSync(bun) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log("npm ci");
  if (sh("npm", ["ci", "--no-audit", "--no-fund"]).status !== 0) process.exit(1);
}

function build() {
  log("build dist/vmlab");
  if (sh(bun, ["run", "scripts/build.ts"]).status !== 0) process.exit(1);
}

function tinyTemplate() {
  const r = sh(bun, ["scripts/tiny-template.ts"], { capture: true });
  process.stderr.write(r.stderr ?? "");
  if (r.status !== 0) process.exit(1);
  const lines = r.stdout.trim().split("\n");
  return lines[lines.length - 1];
}

const target = process.argv[2];
const extra = process.argv.slice(3);
if (!(target in PACKAGES)) {
  process.stderr.write(`usage: run.mjs test|demo|tiny-template\n`);
  process.exit(2);
}
ensurePackages(PACKAGES[target]);
ensureNodeModules();
if (target === "tiny-template") {
  console.log(tinyTemplate());
  process.exit(0);
}
build();
const template = tinyTemplate();
const env = { VMLAB_TINY_TEMPLATE: template, VMLAB_BIN: join(root, "dist", "vmlab") };
if (target === "demo") {
  process.exit(sh(bun, ["scripts/demo.ts", ...extra], { env }).status ?? 1);
}
// test: type-check, lint (import cycles, dependency direction, explicit any, formatting
// when enabled — scripts/lint.ts), then every test (unit beside the code, integration
// and e2e under tests/).
log("typecheck");
if (sh(join(root, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "."]).status !== 0) process.exit(1);
log("lint");
if (sh(bun, ["scripts/lint.ts"]).status !== 0) process.exit(1);
log("bun test");
process.exit(sh(bun, ["test", "--timeout", "120000", ...extra], { env }).status ?? 1);
