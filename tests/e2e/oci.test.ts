/**
 * Template distribution from the compiled binary (PRD §6.4): push from one
 * store, pull into an empty one, metadata and digest preserved; a pull
 * killed half-way resumes; credentials from a Docker config whose
 * credHelpers entry runs a helper script on PATH; login/logout; and `vmlab
 * up` of a lab naming a registry reference pulls it once and boots it.
 * The registry is Debian's docker-registry on 127.0.0.1 (oci/testing).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startRegistry, type TestRegistry } from "../../oci/testing/registry.ts";
import { startProxy, type TestProxy } from "../../oci/testing/proxy.ts";
import { RegistryClient } from "../../oci/client.ts";
import { MEDIA_OCI_MANIFEST, sha256Digest } from "../../oci/media.ts";
import { BlobUpload } from "../../oci/upload.ts";
import { vmlabBin } from "./_bin.ts";
import { TINY_REF, World } from "./_lab.ts";

let registry: TestRegistry;
let basic: TestRegistry;
let a: World;
let b: World;

const sha256 = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run dist/vmlab in `w` without blocking this process (the proxies and token realm live here). */
async function vm(w: World, args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; stdin?: string } = {}): Promise<Ran> {
  const p = Bun.spawn([vmlabBin(), ...args], {
    cwd: opts.cwd ?? w.root,
    env: { ...process.env, NO_COLOR: "1", ...w.env, ...(opts.env ?? {}) },
    stdout: "pipe",
    stderr: "pipe",
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

async function json<T>(w: World, args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<T> {
  const r = await vm(w, args, opts);
  if (r.code !== 0) throw new Error(`vmlab ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function world(): World {
  const w = new World("vmlab-oci-");
  w.env.XDG_CACHE_HOME = join(w.root, "cache");
  return w;
}

beforeAll(async () => {
  registry = await startRegistry();
  basic = await startRegistry({ users: { carol: "helper-secret" } });
  a = world();
  await a.adoptTiny();
  // small chunks so the tiny template spans many layers
  a.hostConfig("host {\n  oci_chunk_size = 2MiB\n}\n");
  b = world();
});

afterAll(async () => {
  a?.teardown();
  b?.teardown();
  await registry?.stop();
  await basic?.stop();
});

describe("template push and pull through dist/vmlab", () => {
  test("push → pull into an empty store gives the same disk and metadata, recording where it came from", async () => {
    const remote = `${registry.host}/labs/tiny:1.0`;
    const push = await vm(a, ["template", "push", TINY_REF, remote, "--json"]);
    expect(push.code).toBe(0);
    const pushed = JSON.parse(push.stdout) as { chunks: number; uploaded: number };
    expect(pushed.chunks).toBeGreaterThan(5);
    expect(pushed.uploaded).toBe(pushed.chunks);
    expect(push.stderr).toContain("MB/s"); // plain progress lines off a TTY

    const pull = await vm(b, ["template", "pull", remote, "--json"]);
    expect(pull.code).toBe(0);
    const got = JSON.parse(pull.stdout) as { ref: string; path: string; downloaded: boolean };
    expect(got.ref).toBe(TINY_REF);
    const [src] = await json<{ sha256: string; path: string; hardware: unknown; virtualSize: number }[]>(a, ["template", "list", "--json"]);
    const [dst] = await json<{ sha256: string; path: string; hardware: unknown; virtualSize: number; origin: { kind: string; source: string } }[]>(b, [
      "template",
      "list",
      "--json",
    ]);
    expect(sha256(join(dst!.path, "disk.qcow2"))).toBe(sha256(join(src!.path, "disk.qcow2")));
    expect(dst!.sha256).toBe(src!.sha256);
    expect(dst!.virtualSize).toBe(src!.virtualSize);
    expect(dst!.hardware).toEqual(src!.hardware);
    expect(dst!.origin).toEqual({ kind: "pull", source: remote });
    expect(statSync(join(dst!.path, "disk.qcow2")).mode & 0o777).toBe(0o444);

    const again = await vm(b, ["template", "pull", remote]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already in the store");
    const tags = await json<{ tag: string }[]>(a, ["template", "list", "--remote", `${registry.host}/labs/tiny`, "--json"]);
    expect(tags.map((t) => t.tag)).toEqual(["1.0"]);
  });

  test("re-pushing an unchanged template uploads no blob", async () => {
    const proxy = startProxy({ upstream: registry.url });
    try {
      const remote = `${proxy.host}/labs/tiny:1.0`;
      const r = await vm(a, ["template", "push", TINY_REF, remote, "--json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ uploaded: 0 });
      expect(proxy.counts.get("POST upload") ?? 0).toBe(0);
      expect(proxy.counts.get("PATCH upload") ?? 0).toBe(0);
    } finally {
      proxy.stop();
    }
  });

  test("a pull killed half-way resumes and fetches only what is missing", async () => {
    const proxy = startProxy({ upstream: registry.url, blobDelayMs: 400 });
    const c = world();
    try {
      const remote = `${proxy.host}/labs/tiny:1.0`;
      const p = Bun.spawn([vmlabBin(), "template", "pull", remote], { env: { ...process.env, ...c.env }, stdout: "ignore", stderr: "ignore" });
      const partial = join(c.env.XDG_DATA_HOME!, "vmlab", "templates", ".partial");
      const deadline = Date.now() + 60_000;
      let done = 0;
      while (Date.now() < deadline && p.exitCode === null) {
        const dirs = existsSync(partial) ? readdirSync(partial) : [];
        const state = dirs[0] ? join(partial, dirs[0], "state.json") : "";
        try {
          done = (JSON.parse(readFileSync(state, "utf8")) as { done: number[] }).done.length;
        } catch {
          done = 0;
        }
        if (done >= 3) break;
        await Bun.sleep(20);
      }
      p.kill("SIGKILL");
      await p.exited;
      expect(done).toBeGreaterThanOrEqual(3);
      const firstServed = proxy.blobBytesServed;
      proxy.reset();
      const r = await vm(c, ["template", "pull", remote, "--json"]);
      expect(r.code).toBe(0);
      const res = JSON.parse(r.stdout) as { layersResumed: number; layersFetched: number; wireBytes: number; path: string };
      expect(res.layersResumed).toBeGreaterThanOrEqual(3);
      expect(res.layersFetched).toBeGreaterThan(0);
      // layers fetched now plus the small config blob: nothing of the finished layers again
      expect(proxy.blobBytesServed - res.wireBytes).toBeGreaterThanOrEqual(0);
      expect(proxy.blobBytesServed - res.wireBytes).toBeLessThan(4096);
      expect(firstServed).toBeGreaterThan(0);
      const [src] = await json<{ path: string }[]>(a, ["template", "list", "--json"]);
      expect(sha256(join(res.path, "disk.qcow2"))).toBe(sha256(join(src!.path, "disk.qcow2")));
      expect(existsSync(partial) ? readdirSync(partial) : []).toEqual([]);
    } finally {
      proxy.stop();
      c.teardown();
    }
  });

  test("credentials come from a Docker config credHelpers entry, run from PATH", async () => {
    const bin = join(a.root, "bin");
    mkdirSync(bin, { recursive: true });
    const helper = join(bin, "docker-credential-vmlabtest");
    const log = join(a.root, "helper.log");
    // The docker-credential-helpers protocol: `get`, server URL on stdin, JSON on stdout.
    writeFileSync(helper, `#!/bin/sh\nread host\necho "$1 $host" >> ${log}\nprintf '{"ServerURL":"%s","Username":"carol","Secret":"helper-secret"}' "$host"\n`);
    chmodSync(helper, 0o755);
    const docker = join(a.root, "docker");
    mkdirSync(docker, { recursive: true });
    writeFileSync(join(docker, "config.json"), JSON.stringify({ auths: { [basic.host]: {} }, credHelpers: { [basic.host]: "vmlabtest" } }));
    const env = { PATH: `${bin}:${process.env.PATH}`, DOCKER_CONFIG: docker };
    const remote = `${basic.host}/private/tiny:1.0`;
    const denied = await vm(a, ["template", "push", TINY_REF, remote]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("oci.unauthorized");
    const ok = await vm(a, ["template", "push", TINY_REF, remote], { env });
    expect(ok.code).toBe(0);
    expect(readFileSync(log, "utf8")).toContain(`get ${basic.host}`);
    const pulled = await vm(b, ["template", "pull", remote, "--json"], { env });
    expect(pulled.code).toBe(0);
  });

  test("login stores the password 0600 from stdin only, logout forgets it", async () => {
    const c = world();
    try {
      const wrong = await vm(c, ["template", "login", basic.host, "-u", "carol", "--password-stdin"], { stdin: "nope\n" });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain("oci.unauthorized");
      expect(wrong.stderr).not.toContain("nope");
      const noStdin = await vm(c, ["template", "login", basic.host, "-u", "carol"]);
      expect(noStdin.code).toBe(2);
      const ok = await vm(c, ["template", "login", basic.host, "-u", "carol", "--password-stdin"], { stdin: "helper-secret\n" });
      expect(ok.code).toBe(0);
      const file = join(c.env.XDG_CONFIG_HOME!, "vmlab", "registry-auth.json");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(ok.stdout + ok.stderr).not.toContain("helper-secret");
      const list = await vm(c, ["template", "list", "--remote", `${basic.host}/private/tiny`]);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain(":1.0");
      expect((await vm(c, ["template", "logout", basic.host])).code).toBe(0);
      expect((await vm(c, ["template", "list", "--remote", `${basic.host}/private/tiny`])).stderr).toContain("oci.unauthorized");
    } finally {
      c.teardown();
    }
  });

  test("a plain container image is refused by pull with a clear error", async () => {
    const client = new RegistryClient({ host: registry.host });
    const empty = new TextEncoder().encode("{}");
    const up = new BlobUpload(client, "library/alpine");
    await up.add(empty);
    await up.finish(sha256Digest(empty));
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA_OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256Digest(empty), size: 2 },
      layers: [],
    };
    await client.putManifest("library/alpine", "3", MEDIA_OCI_MANIFEST, new TextEncoder().encode(JSON.stringify(manifest)));
    const r = await vm(b, ["template", "pull", `${registry.host}/library/alpine:3`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[oci.not_a_template]");
    expect(r.stderr).toContain("hint:");
  });
});

describe("labs naming a registry reference", () => {
  test("validate warns while it is not pulled; up pulls it once and boots it; a second up does not pull", async () => {
    const c = world();
    const proxy = startProxy({ upstream: registry.url });
    try {
      const remote = `${proxy.host}/labs/tiny:1.0`;
      expect((await vm(a, ["template", "push", TINY_REF, `${registry.host}/labs/tiny:1.0`])).code).toBe(0);
      proxy.reset();
      const dir = c.lab("reg", `lab "reg" {\n  vm "box" {\n    template = "${remote}"\n    arch     = "x86_64"\n    memory   = 256MiB\n  }\n}\n`);
      const v = await vm(c, ["validate"], { cwd: dir });
      expect(v.code).toBe(0);
      expect(v.stdout + v.stderr).toContain("config.template_not_pulled");
      const up = await vm(c, ["up"], { cwd: dir });
      if (up.code !== 0) throw new Error(up.stderr);
      expect(up.stderr).toContain(`pulled ${remote}`);
      const fetched = proxy.counts.get("GET blob") ?? 0;
      expect(fetched).toBeGreaterThan(0);
      expect((await vm(c, ["exec", "box", "--", "true"], { cwd: dir })).code).toBe(0);
      expect((await vm(c, ["down"], { cwd: dir })).code).toBe(0);
      proxy.reset();
      const again = await vm(c, ["up"], { cwd: dir });
      expect(again.code).toBe(0);
      expect(proxy.counts.size).toBe(0); // not even the manifest is asked for
      expect((await vm(c, ["validate"], { cwd: dir })).stdout).not.toContain("config.template_not_pulled");
      expect((await vm(c, ["destroy"], { cwd: dir })).code).toBe(0);
    } finally {
      proxy.stop();
      c.teardown();
    }
  }, 300_000);
});
