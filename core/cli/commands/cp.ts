/**
 * `vmlab cp <src> <vm>:<dest>` and `vmlab cp <vm>:<src> <dest>` — files and
 * directory trees between host and guest, through the guest agent
 * (`lab/vm:path` addresses a VM from anywhere).
 *
 * Like `cp -r`: when the destination is an existing directory the source
 * lands inside it under its own name. File modes are kept host→guest.
 * Directory trees from a guest are listed with the guest's `find` (POSIX
 * guests) and written by `writeGuestTree`, which trusts no name the guest
 * sends (see guest_tree.ts); single files need nothing but the agent. Files
 * stream in both directions, so their size is bounded only by disk space.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, join, posix } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { ExecReplySchema } from "../../daemon/protocol.ts";
import { replyError, request } from "../../daemon/transport.ts";
import { CodedError } from "../../errors/mod.ts";
import { assertReplaceable } from "../../fs/replace.ts";
import { GUEST_TREE_SCRIPT, parseGuestListing, writeGuestTree } from "../guest_tree.ts";
import { writeHostFile } from "../../fs/host_sink.ts";
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

async function execRaw(g: Guest, path: string, args: string[]): Promise<{ code: number; stdout: Uint8Array; truncated: boolean }> {
  const r = await request(g.socket, "POST", `/v1/vms/${encodeURIComponent(g.vm)}/exec`, { path, args, timeoutMs: 60_000 }, ExecReplySchema);
  return { code: r.exitCode ?? 1, stdout: new Uint8Array(Buffer.from(r.stdout, "base64")), truncated: r.truncated };
}

async function exec(g: Guest, path: string, args: string[]): Promise<{ code: number }> {
  return { code: (await execRaw(g, path, args)).code };
}

async function guestIsDir(g: Guest, path: string): Promise<boolean> {
  try {
    return (await exec(g, "/bin/sh", ["-c", 'test -d "$1"', "sh", path])).code === 0;
  } catch {
    return false;
  }
}

const fileUrl = (g: Guest, path: string, mode?: number) =>
  `http://vmlab/v1/vms/${encodeURIComponent(g.vm)}/file?path=${encodeURIComponent(path)}${mode === undefined ? "" : `&mode=${mode.toString(8)}`}`;

async function send(url: string, init: RequestInit, socket: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, unix: socket } as RequestInit);
  } catch (e) {
    throw new CodedError("daemon.unreachable", `cannot reach the lab daemon at ${socket}: ${(e as Error).message}`, {
      subject: socket,
      hint: "run `vmlab status`: the lab may have gone down",
    });
  }
}

/** Uploads a host file; the body streams from disk (any size). */
async function put(g: Guest, path: string, hostFile: string, mode: number): Promise<void> {
  const r = await send(fileUrl(g, path, mode), { method: "PUT", body: Bun.file(hostFile) }, g.socket);
  if (!r.ok) throw await replyError(r, `the copy to ${g.vm}:${path}`);
  await r.body?.cancel();
}

/** A guest file as a byte stream (any size; cancelling it stops the guest-side read). */
async function get(g: Guest, path: string): Promise<AsyncIterable<Uint8Array>> {
  const r = await send(fileUrl(g, path), {}, g.socket);
  if (!r.ok) throw await replyError(r, `the copy from ${g.vm}:${path}`);
  if (!r.body) return (async function* () {})();
  return r.body as unknown as AsyncIterable<Uint8Array>;
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
    await put(g, target, src, st.mode & 0o7777);
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
    await put(g, posix.join(target, f), full, statSync(full).mode & 0o7777);
  }
  report(`${src}/ → ${g.vm}:${target}/ (${tree.files.length} files)`);
  return tree.files.length;
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
    // The user named this path: a device node, FIFO or symlink there is refused, not replaced (#19 item 7).
    assertReplaceable(target, "copy destination");
    await writeHostFile(target, await get(g, src), { subject: target });
    report(`${g.vm}:${src} → ${target}`);
    return 1;
  }
  const listing = await execRaw(g, "/bin/sh", ["-c", GUEST_TREE_SCRIPT, "sh", src]);
  const subject = `${g.vm}:${src}`;
  if (listing.code !== 0)
    throw new CodedError("cp.failed", `cannot list ${subject} (exit ${listing.code})`, { subject, hint: "the guest needs a POSIX sh, find and readlink" });
  if (listing.truncated)
    throw new CodedError("cp.bad_listing", `the listing of ${subject} is larger than the agent returns in one go`, {
      subject,
      hint: "copy its subdirectories one by one",
    });
  const entries = parseGuestListing(listing.stdout, subject);
  const r = await writeGuestTree(target, entries, (rel) => get(g, posix.join(src, rel)), subject);
  if (r.skipped.length)
    report(`skipped ${r.skipped.length} special file(s) (devices, FIFOs, sockets): ${r.skipped.slice(0, 5).join(", ")}${r.skipped.length > 5 ? ", …" : ""}`);
  report(`${subject}/ → ${target}/ (${r.files} files${r.symlinks ? `, ${r.symlinks} symlinks` : ""})`);
  return r.files;
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
          throw new CodedError("request.invalid", "Exactly one of <src> and <dest> must be a guest path (vm:path)", {
            hint: "e.g. `vmlab cp ./site web:/srv/www` or `vmlab cp web:/etc/hosts .`",
          });
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
