/**
 * `vmlab template push|pull|login|logout` and `template list --remote`
 * (cli_ref.md "vmlab template", PRD §6.4, process_distribute_oci.md).
 *
 * - `push <arch>/<name>[@<ver>] <host/repo:tag> [--json]`
 * - `pull <host/repo:tag> [--arch A] [--json]` (`--arch` is required when the
 *   tag holds several arches; never assumed)
 * - `login <host> -u USER --password-stdin`: checks the credentials against
 *   the registry's `/v2/`, then stores them 0600 in
 *   `$XDG_CONFIG_HOME/vmlab/registry-auth.json`; the password is read from
 *   stdin only, so it never appears in argv, logs or errors.
 * - `logout <host>` forgets that login (Docker's own logins are untouched).
 * - `list --remote <host/repo> [--json]`: the repository's tags.
 *
 * Credentials are looked up in vmlab's login file, `$REGISTRY_AUTH_FILE`,
 * then the Docker config (credHelpers, credsStore, auths). Progress shows
 * bytes, rate and ETA on a TTY, and a plain line per 10% otherwise.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { CodedError } from "../../errors/mod.ts";
import { readHostConfig } from "../../config/host.ts";
import { cacheDir, configDir } from "../../paths.ts";
import { pullTemplate, pulledTemplate, pushTemplate, parseRemote, type RemoteOptions } from "../../store/oci.ts";
import { parseTemplateRef } from "../../store/ref.ts";
import { makeStyle } from "../style.ts";
import type { TemplateStore } from "../../store/store.ts";
import { RegistryClient } from "../../../oci/client.ts";
import { findCredential, removeLogin, saveLogin } from "../../../oci/auth/credentials.ts";
import type { TransferProgress } from "../../../oci/progress.ts";
import type { TemplateIo } from "./template.ts";

/** vmlab's own registry login file. */
export function loginFile(): string {
  return join(configDir(), "registry-auth.json");
}

/** A client factory honouring host config (insecure registries) and every credential source. */
export function registryClients(env: Readonly<Record<string, string | undefined>> = process.env, home = homedir()): (host: string) => RegistryClient {
  const insecure = readHostConfig().config.insecureRegistries;
  const file = loginFile();
  return (host) => new RegistryClient({ host, insecure, credentials: () => findCredential(host, { env, home, loginFile: file }) });
}

export function remoteOptions(onProgress?: (p: TransferProgress) => void): RemoteOptions {
  return { client: registryClients(), cacheDir: cacheDir(), ...(onProgress ? { onProgress } : {}) };
}

const MB = 1_000_000;

function bytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** Progress: a redrawn line with rate and ETA on a TTY, a plain line per 10% otherwise. */
export function transferReporter(io: TemplateIo, label: string, tty: boolean): { update(p: TransferProgress): void; finish(): void } {
  const start = io.now();
  let last = 0;
  let decile = -1;
  let drawn = false;
  let phase = "";
  return {
    update(p) {
      const t = io.now();
      const secs = Math.max(0.001, (t - start) / 1000);
      const rate = p.done / secs;
      const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
      const eta = rate > 0 ? Math.max(0, (p.total - p.done) / rate) : 0;
      const line = `${label} ${p.phase === "verify" ? "verifying" : p.phase}: ${bytes(p.done)} / ${bytes(p.total)} (${pct}%)  ${(rate / MB).toFixed(0)} MB/s  ETA ${Math.ceil(eta)}s`;
      if (tty) {
        if (t - last < 100 && p.done < p.total && p.phase === phase) return;
        last = t;
        phase = p.phase;
        drawn = true;
        io.err(`\r\x1b[2K${line}`);
        return;
      }
      const d = Math.floor(pct / 10);
      if (d !== decile || p.phase !== phase) {
        decile = d;
        phase = p.phase;
        io.err(`${line}\n`);
      }
    },
    finish() {
      if (drawn) io.err("\r\x1b[2K");
      drawn = false;
    },
  };
}

async function push(store: TemplateStore, io: TemplateIo, local: string, remote: string, json: boolean): Promise<number> {
  const rep = transferReporter(io, `pushing ${local}`, io.progress);
  const start = io.now();
  const host = readHostConfig().config;
  try {
    const r = await pushTemplate(store, local, remote, { ...remoteOptions((p) => rep.update(p)), chunkSize: host.ociChunkSize });
    rep.finish();
    const secs = (io.now() - start) / 1000;
    if (json) {
      io.out(
        `${JSON.stringify({ ref: r.template.ref, remote: r.remote, manifest: r.manifestDigest, index: r.indexDigest, chunks: r.chunks.length, uploaded: r.uploaded, skipped: r.skipped, mounted: r.mounted, bytes: r.template.size, wireBytes: r.wireBytes, seconds: secs })}\n`,
      );
    } else {
      const rate = secs > 0 ? ` at ${(r.template.size / secs / MB).toFixed(0)} MB/s` : "";
      io.out(
        `pushed ${r.template.ref} to ${r.remote} (${r.chunks.length} chunks: ${r.uploaded} uploaded, ${r.skipped + r.mounted} already there; ${bytes(r.wireBytes)} sent${rate})\n`,
      );
    }
    return 0;
  } finally {
    rep.finish();
  }
}

async function pull(store: TemplateStore, io: TemplateIo, remote: string, arch: string | undefined, json: boolean): Promise<number> {
  const rep = transferReporter(io, `pulling ${remote}`, io.progress);
  const start = io.now();
  try {
    const r = await pullTemplate(
      store,
      remote,
      arch,
      remoteOptions((p) => rep.update(p)),
    );
    rep.finish();
    const secs = (io.now() - start) / 1000;
    if (json) {
      io.out(
        `${JSON.stringify({ ref: r.template.ref, remote: r.remote, manifest: r.manifestDigest, downloaded: r.downloaded, layersFetched: r.transfer?.fetched ?? 0, layersResumed: r.transfer?.resumed ?? 0, bytes: r.template.size, wireBytes: r.transfer?.wireBytes ?? 0, seconds: secs, path: r.template.dir })}\n`,
      );
    } else if (!r.downloaded) {
      io.out(`${r.template.ref} is already in the store (same disk as ${r.remote})\n`);
    } else {
      const resumed = r.transfer && r.transfer.resumed > 0 ? `, ${r.transfer.resumed} chunk(s) resumed from an earlier attempt` : "";
      io.out(`pulled ${r.remote} as ${r.template.ref} (${bytes(r.template.size)} in ${secs.toFixed(1)} s${resumed})\n`);
    }
    return 0;
  } finally {
    rep.finish();
  }
}

async function readStdin(): Promise<string> {
  return (await new Response(Bun.stdin.stream()).text()).replace(/\r?\n$/, "");
}

async function login(io: TemplateIo, host: string, user: string | undefined, passwordStdin: boolean): Promise<number> {
  if (!user || !passwordStdin) {
    throw new CodedError("usage.login", "login needs -u USER and --password-stdin", {
      subject: host,
      hint: `echo "$TOKEN" | vmlab template login ${host} -u <user> --password-stdin (the password is never taken from the command line)`,
    });
  }
  const ref = parseRemote(`${host}/probe`);
  const secret = await readStdin();
  if (secret === "")
    throw new CodedError("oci.password_empty", "no password on stdin", {
      subject: host,
      hint: `echo "$TOKEN" | vmlab template login ${host} -u ${user} --password-stdin`,
    });
  const insecure = readHostConfig().config.insecureRegistries;
  const client = new RegistryClient({
    host: ref.host,
    insecure,
    credentials: async () => ({ credential: { username: user, secret }, source: "the given credentials" }),
  });
  await client.ping();
  saveLogin(loginFile(), ref.host, { username: user, secret });
  io.out(`logged in to ${ref.host} as ${user} (stored in ${loginFile()})\n`);
  return 0;
}

function logout(io: TemplateIo, host: string): number {
  const h = parseRemote(`${host}/probe`).host;
  if (removeLogin(loginFile(), h)) io.out(`logged out of ${h}\n`);
  else io.out(`not logged in to ${h} with vmlab (Docker's own logins are left alone)\n`);
  return 0;
}

export async function listRemote(io: TemplateIo, repo: string, json: boolean): Promise<number> {
  const ref = parseRemote(repo);
  const tags = (await registryClients()(ref.host).listTags(ref.repository)).sort();
  if (json)
    io.out(
      `${JSON.stringify(
        tags.map((t) => ({ tag: t, ref: `${ref.host}/${ref.repository}:${t}` })),
        null,
        2,
      )}\n`,
    );
  else if (tags.length === 0) io.out(`no tags in ${ref.host}/${ref.repository}\n`);
  else io.out(tags.map((t) => `${ref.host}/${ref.repository}:${t}\n`).join(""));
  return 0;
}

type Runner = (fn: (store: TemplateStore, io: TemplateIo) => number | Promise<number>) => Promise<void>;

/** Register the registry verbs on the `template` command. */
export function registerRemote(t: Command, run: Runner): void {
  t.command("push")
    .description("Push a stored template to a registry as an OCI artifact (chunked, multi-arch capable)")
    .argument("<ref>", "<arch>/<name>[@<version>]")
    .argument("<remote>", "registry/repo:tag")
    .option("--json", "print the result as JSON")
    .action((ref, remote, o) => run((s, io) => push(s, io, ref, remote, o.json ?? false)));
  t.command("pull")
    .description("Pull a template from a registry into the store (--arch required for multi-arch tags)")
    .argument("<remote>", "registry/repo:tag")
    .option("--arch <arch>", "architecture to pull from a multi-arch tag")
    .option("--json", "print the result as JSON")
    .action((remote, o) => run((s, io) => pull(s, io, remote, o.arch, o.json ?? false)));
  t.command("login")
    .description("Log in to a registry (password from stdin; stored 0600 for vmlab)")
    .argument("<registry>", "registry host, e.g. ghcr.io")
    .option("-u, --user <user>", "user name")
    .option("--password-stdin", "read the password or token from stdin")
    .action((host, o) => run((_s, io) => login(io, host, o.user, o.passwordStdin ?? false)));
  t.command("logout")
    .description("Forget vmlab's login to a registry")
    .argument("<registry>", "registry host")
    .action((host) => run((_s, io) => logout(io, host)));
}

/**
 * Pull every registry template a lab names that the store lacks (`vmlab
 * up`); templates already pulled are never fetched again implicitly.
 */
export async function pullMissing(
  vms: readonly { readonly name: string; readonly template: string; readonly arch: string | undefined }[],
  store: TemplateStore,
  quiet: boolean,
): Promise<string[]> {
  const pulled: string[] = [];
  const seen = new Set<string>();
  for (const vm of vms) {
    const r = parseTemplateRef(vm.template);
    if (!r.ok || r.ref.kind !== "registry" || vm.arch === undefined) continue;
    const key = `${vm.arch} ${vm.template}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (pulledTemplate(store, vm.template, vm.arch)) continue;
    const io: TemplateIo = {
      out: () => undefined,
      err: (s) => void process.stderr.write(s),
      outStyle: makeStyle(false),
      errStyle: makeStyle(false),
      progress: Boolean(process.stderr.isTTY),
      now: () => Date.now(),
    };
    if (!quiet) process.stderr.write(`pulling ${vm.template} (${vm.arch}) for VM ${vm.name}\n`);
    const rep = transferReporter(io, `pulling ${vm.template}`, io.progress);
    try {
      const res = await pullTemplate(store, vm.template, vm.arch, remoteOptions(quiet ? undefined : (p) => rep.update(p)));
      pulled.push(res.template.ref);
      if (!quiet) process.stderr.write(`pulled ${res.remote} as ${res.template.ref}\n`);
    } finally {
      rep.finish();
    }
  }
  return pulled;
}
