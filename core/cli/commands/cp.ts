/**
 * `vmlab cp <src> <vm>:<dest>` and `vmlab cp <vm>:<src> <dest>` — files and
 * directory trees between host and guest, through the guest agent
 * (`lab/vm:path` addresses a VM from anywhere).
 *
 * Like `cp -r`: when the destination is an existing directory the source
 * lands inside it under its own name. File modes are kept host→guest.
 * Directory trees from a guest are listed with the guest's `find` (POSIX
 * guests); single files need nothing but the agent.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, renameSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { CodedError } from "../../errors/mod.ts";
import { request } from "../../daemon/transport.ts";
import { action, requireUp, resolveVmTarget, type TargetFlags } from "../client.ts";

/** `vm:path` or `lab/vm:path`; host paths starting with `/`, `.` or `~` never match. */
export function parseGuestPath(s: string): { target: string; path: string } | undefined {
  const m = /^([a-z0-9][a-z0-9-]*(?:\/[a-z0-9][a-z0-9-]*)?):(.*)$/.exec(s);
  if (!m) return undefined;
  return { target: m[1] as string, path: m[2] === "" ? "." : (m[2] as string) };
}

interface Guest {
  socket: string;
  vm: string;
}

async function exec(g: Guest, path: string, args: string[]): Promise<{ code: number; stdout: string }> {
  const r = await request<{ exitCode: number | null; stdout: string }>(g.socket, "POST", `/v1/vms/${encodeURIComponent(g.vm)}/exec`, { path, args, timeoutMs: 60_000 });
  return { code: r.exitCode ?? 1, stdout: Buffer.from(r.stdout, "base64").toString("utf8") };
}

async function guestIsDir(g: Guest, path: string): Promise<boolean> {
  try {
    return (await exec(g, "/bin/sh", ["-c", 'test -d "$1"', "sh", path])).code === 0;
  } catch {
    return false;
  }
}

async function put(g: Guest, path: string, data: Uint8Array, mode: number): Promise<void> {
  const url = `http://vmlab/v1/vms/${encodeURIComponent(g.vm)}/file?path=${encodeURIComponent(path)}&mode=${mode.toString(8)}`;
  const r = await fetch(url, { method: "PUT", unix: g.socket, body: data } as RequestInit);
  if (!r.ok) {
    const body = (await r.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new CodedError("cp.failed", body.error?.message ?? `Cannot write ${g.vm}:${path} (HTTP ${r.status})`, { subject: `${g.vm}:${path}` });
  }
  await r.body?.cancel();
}

async function get(g: Guest, path: string): Promise<Uint8Array> {
  const r = await fetch(`http://vmlab/v1/vms/${encodeURIComponent(g.vm)}/file?path=${encodeURIComponent(path)}`, { unix: g.socket } as RequestInit);
  if (!r.ok) {
    const body = (await r.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new CodedError("cp.failed", body.error?.message ?? `Cannot read ${g.vm}:${path} (HTTP ${r.status})`, { subject: `${g.vm}:${path}` });
  }
  return new Uint8Array(await r.arrayBuffer());
}

function hostTree(root: string): { dirs: string[]; files: string[] } {
  const dirs: string[] = [];
  const files: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        dirs.push(r);
        walk(r);
      } else if (e.isFile()) files.push(r);
    }
  };
  walk("");
  return { dirs, files };
}

async function toGuest(src: string, g: Guest, dest: string, report: (m: string) => void): Promise<number> {
  let st;
  try {
    st = statSync(src);
  } catch {
    throw new CodedError("cp.failed", `Cannot read ${src}: no such file or directory`, { subject: src });
  }
  const target = (await guestIsDir(g, dest)) ? posix.join(dest, basename(src)) : dest;
  if (!st.isDirectory()) {
    await put(g, target, readFileSync(src), st.mode & 0o7777);
    report(`${src} → ${g.vm}:${target}`);
    return 1;
  }
  const tree = hostTree(src);
  const mk = await exec(g, "/bin/mkdir", ["-p", target, ...tree.dirs.map((d) => posix.join(target, d))]).catch((e: unknown) => {
    throw new CodedError("cp.failed", `Cannot create directories in ${g.vm}: ${(e as Error).message}`, { subject: `${g.vm}:${target}` });
  });
  if (mk.code !== 0) throw new CodedError("cp.failed", `Cannot create ${g.vm}:${target} (mkdir exit ${mk.code})`, { subject: `${g.vm}:${target}` });
  for (const f of tree.files) {
    const full = join(src, f);
    await put(g, posix.join(target, f), readFileSync(full), statSync(full).mode & 0o7777);
  }
  report(`${src}/ → ${g.vm}:${target}/ (${tree.files.length} files)`);
  return tree.files.length;
}

function writeAtomic(path: string, data: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.vmlab-tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function hostIsDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

async function fromGuest(g: Guest, src: string, dest: string, report: (m: string) => void): Promise<number> {
  const target = hostIsDir(dest) ? join(dest, posix.basename(src)) : dest;
  if (!(await guestIsDir(g, src))) {
    writeAtomic(target, await get(g, src));
    report(`${g.vm}:${src} → ${target}`);
    return 1;
  }
  const list = async (type: "d" | "f") => {
    const r = await exec(g, "/bin/sh", ["-c", 'find "$1" -type "$2"', "sh", src, type]);
    if (r.code !== 0) throw new CodedError("cp.failed", `Cannot list ${g.vm}:${src} (find exit ${r.code})`, { subject: `${g.vm}:${src}` });
    return r.stdout.split("\n").filter(Boolean).map((p) => posix.relative(src, p));
  };
  for (const d of await list("d")) mkdirSync(join(target, d), { recursive: true });
  const files = await list("f");
  for (const f of files) writeAtomic(join(target, f), await get(g, posix.join(src, f)));
  report(`${g.vm}:${src}/ → ${target}/ (${files.length} files)`);
  return files.length;
}

export function register(program: Command): void {
  program
    .command("cp")
    .description("copy files or directory trees between the host and a guest (vm:path on one side)")
    .argument("<src>", "host path, or vm:path / lab/vm:path")
    .argument("<dest>", "host path, or vm:path / lab/vm:path")
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .option("-q, --quiet", "print nothing on success")
    .option("-v, --verbose", "name the lab file used")
    .action(
      action(async (src: string, dest: string, opts: TargetFlags & { quiet?: true }) => {
        const gs = parseGuestPath(src);
        const gd = parseGuestPath(dest);
        if ((gs === undefined) === (gd === undefined)) {
          throw new CodedError("request.invalid", "Exactly one of <src> and <dest> must be a guest path (vm:path)", { hint: "e.g. `vmlab cp ./site web:/srv/www` or `vmlab cp web:/etc/hosts .`" });
        }
        const report = (m: string) => (opts.quiet ? undefined : process.stderr.write(`${m}\n`));
        const side = (gs ?? gd) as { target: string; path: string };
        const t = resolveVmTarget(side.target, opts);
        const g = { socket: await requireUp(t.lab), vm: t.vm };
        if (gd) await toGuest(src, g, gd.path, report);
        else await fromGuest(g, (gs as { path: string }).path, dest, report);
        return 0;
      }),
    );
}
