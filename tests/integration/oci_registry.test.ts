/**
 * The oci/ library against a real registry (Debian docker-registry,
 * distribution 2.8, on 127.0.0.1 with a temporary config): push → pull
 * round trips, HEAD-skipping re-pushes, a two-arch index, a 4 MiB body cap,
 * Basic and Bearer auth, corrupted blobs and container images refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RegistryClient } from "../../oci/client.ts";
import { pushArtifact } from "../../oci/push.ts";
import { downloadImage, resolveArtifact } from "../../oci/pull.ts";
import { sha256Digest, MEDIA_OCI_MANIFEST } from "../../oci/media.ts";
import { startRegistry, type TestRegistry } from "../../oci/testing/registry.ts";
import { startProxy, type TestProxy } from "../../oci/testing/proxy.ts";
import { BlobUpload } from "../../oci/upload.ts";

const MiB = 1024 * 1024;
let dir: string;
let registry: TestRegistry;

/** A test image: real file bytes, long zero runs, and a noisy tail (not a multiple of the chunk size). */
function makeImage(path: string, mib: number, noise = 300_000): { digest: string; size: number } {
  const out = Buffer.alloc(mib * MiB + 12345);
  const src = readFileSync(process.execPath).subarray(0, 3 * MiB);
  src.copy(out, 0);
  src.copy(out, 5 * MiB + 7);
  for (let i = out.length - noise; i < out.length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(i + 65536, out.length)));
  writeFileSync(path, out);
  return { digest: sha256Digest(out), size: out.length };
}

const config = (arch: string) => new TextEncoder().encode(JSON.stringify({ formatVersion: 1, arch, name: "t", version: "1" }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vmlab-oci-"));
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function push(client: RegistryClient, repo: string, file: string, img: { digest: string; size: number }, arch = "x86_64", chunkSize = 4 * MiB) {
  return pushArtifact({
    client,
    repository: repo,
    tag: "1.0",
    file,
    image: { totalSize: img.size, chunkSize, digest: img.digest },
    arch,
    config: config(arch),
  });
}

describe("push and pull against docker-registry", () => {
  test("a pushed image pulls back byte-identical, sparse where it was zero", async () => {
    const file = join(dir, "a.img");
    const img = makeImage(file, 12);
    const client = new RegistryClient({ host: registry.host });
    const r = await push(client, "team/a", file, img);
    expect(r.uploaded).toBe(4);
    const art = await resolveArtifact(new RegistryClient({ host: registry.host }), "team/a", "1.0", undefined);
    expect(art.manifest.image).toEqual({ totalSize: img.size, chunkSize: 4 * MiB, digest: img.digest });
    expect(new TextDecoder().decode(art.config)).toContain('"arch":"x86_64"');
    const out = await downloadImage({ client, repository: "team/a", artifact: art, dir: join(dir, "pull-a") });
    expect(sha256Digest(readFileSync(out.file))).toBe(img.digest);
    expect(statSync(out.file).blocks * 512).toBeLessThan(img.size - 2 * MiB);
  });

  test("a re-push of the same image uploads no blob", async () => {
    const file = join(dir, "b.img");
    const img = makeImage(file, 6);
    const proxy = startProxy({ upstream: registry.url });
    try {
      const client = new RegistryClient({ host: proxy.host });
      await push(client, "team/b", file, img);
      proxy.reset();
      const again = await push(new RegistryClient({ host: proxy.host }), "team/b", file, img);
      expect(again.uploaded).toBe(0);
      expect(again.skipped).toBe(2);
      expect(proxy.counts.get("POST upload") ?? 0).toBe(0);
      expect(proxy.counts.get("PATCH upload") ?? 0).toBe(0);
      expect(proxy.counts.get("PUT upload") ?? 0).toBe(0);
      expect(proxy.counts.get("HEAD blob")).toBeGreaterThanOrEqual(2);
    } finally {
      proxy.stop();
    }
  });

  test("two arches share one tag through a merged index; pull without --arch is refused", async () => {
    const file = join(dir, "c.img");
    const img = makeImage(file, 3);
    const client = new RegistryClient({ host: registry.host });
    await push(client, "team/c", file, img, "x86_64");
    await push(client, "team/c", file, img, "aarch64");
    await expect(resolveArtifact(client, "team/c", "1.0", undefined)).rejects.toMatchObject({ code: "oci.arch_required" });
    expect((await resolveArtifact(client, "team/c", "1.0", "aarch64")).manifest.arch).toBe("aarch64");
    expect((await resolveArtifact(client, "team/c", "1.0", "x86_64")).manifest.arch).toBe("x86_64");
    await expect(resolveArtifact(client, "team/c", "1.0", "riscv64")).rejects.toMatchObject({ code: "oci.arch_not_found" });
    expect((await client.listTags("team/c")).sort()).toEqual(["1.0"]);
  });

  test("a registry capping request bodies at 4 MiB is served in smaller PATCHes", async () => {
    const file = join(dir, "d.img");
    const img = makeImage(file, 20, 12 * MiB);
    const proxy = startProxy({ upstream: registry.url, bodyCap: 4 * MiB });
    try {
      const client = new RegistryClient({ host: proxy.host });
      const r = await pushArtifact({
        client,
        repository: "team/d",
        tag: "1.0",
        file,
        image: { totalSize: img.size, chunkSize: 64 * MiB, digest: img.digest },
        arch: "x86_64",
        config: config("x86_64"),
        patchBytes: 16 * MiB,
      });
      expect(r.uploaded).toBe(1);
      expect(proxy.counts.get("413 PATCH") ?? proxy.counts.get("413 PUT") ?? 0).toBeGreaterThan(0);
      expect(proxy.counts.get("PATCH upload")).toBeGreaterThan(1);
      const art = await resolveArtifact(client, "team/d", "1.0", "x86_64");
      const out = await downloadImage({ client, repository: "team/d", artifact: art, dir: join(dir, "pull-d") });
      expect(sha256Digest(readFileSync(out.file))).toBe(img.digest);
    } finally {
      proxy.stop();
    }
  });

  test("a blob corrupted on the registry's disk is refused, naming its digest", async () => {
    const file = join(dir, "e.img");
    const img = makeImage(file, 8);
    const client = new RegistryClient({ host: registry.host });
    const r = await push(client, "team/e", file, img);
    const victim = r.chunks[1]!;
    const blob = registry.blobPath(victim.digest);
    const bytes = readFileSync(blob);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    writeFileSync(blob, bytes);
    const art = await resolveArtifact(client, "team/e", "1.0", "x86_64");
    const work = join(dir, "pull-e");
    const err = await downloadImage({ client, repository: "team/e", artifact: art, dir: work }).catch((e: unknown) => e);
    expect(err).toMatchObject({ subject: victim.digest });
    expect((err as { code: string }).code).toMatch(/^oci\.(digest_mismatch|blob_invalid)$/);
    const state = JSON.parse(readFileSync(join(work, "state.json"), "utf8")) as { done: number[] };
    expect(state.done).not.toContain(1);
  });

  test("a plain container image is refused as not a template", async () => {
    const client = new RegistryClient({ host: registry.host });
    const layer = new TextEncoder().encode("not a tar, but a layer");
    const cfg = new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
    for (const b of [layer, cfg]) {
      const up = new BlobUpload(client, "library/busybox");
      await up.add(b);
      await up.finish(sha256Digest(b));
    }
    const manifest = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_OCI_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256Digest(cfg), size: cfg.length },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256Digest(layer), size: layer.length }],
      }),
    );
    await client.putManifest("library/busybox", "latest", MEDIA_OCI_MANIFEST, manifest);
    await client.putManifest("library/busybox", "1.0", MEDIA_OCI_MANIFEST, manifest);
    await expect(resolveArtifact(client, "library/busybox", "latest", undefined)).rejects.toMatchObject({ code: "oci.not_a_template" });
    const file = join(dir, "f.img");
    const img = makeImage(file, 1);
    await expect(push(client, "library/busybox", file, { ...img })).rejects.toMatchObject({ code: "oci.tag_taken" });
  });

  test("a missing tag is oci.not_found", async () => {
    await expect(resolveArtifact(new RegistryClient({ host: registry.host }), "team/nothing", "9", undefined)).rejects.toMatchObject({ code: "oci.not_found" });
  });
});

describe("authentication", () => {
  test("htpasswd Basic auth: credentials are sent, wrong or missing ones are refused", async () => {
    const basic = await startRegistry({ users: { alice: "s3cret-pw" } });
    try {
      const file = join(dir, "g.img");
      const img = makeImage(file, 2);
      const anon = new RegistryClient({ host: basic.host });
      await expect(anon.ping()).rejects.toMatchObject({ code: "oci.unauthorized" });
      const wrong = new RegistryClient({ host: basic.host, credentials: async () => ({ credential: { username: "alice", secret: "nope" }, source: "test" }) });
      const e = await wrong.ping().catch((x: unknown) => x);
      expect(e).toMatchObject({ code: "oci.unauthorized" });
      expect(JSON.stringify(e) + String((e as Error).message)).not.toContain("nope");
      const good = new RegistryClient({
        host: basic.host,
        credentials: async () => ({ credential: { username: "alice", secret: "s3cret-pw" }, source: "test" }),
      });
      await push(good, "team/g", file, img);
      const art = await resolveArtifact(good, "team/g", "1.0", undefined);
      const out = await downloadImage({ client: good, repository: "team/g", artifact: art, dir: join(dir, "pull-g") });
      expect(sha256Digest(readFileSync(out.file))).toBe(img.digest);
    } finally {
      await basic.stop();
    }
  });

  for (const accessTokenField of [false, true]) {
    test(`Bearer token realm flow (${accessTokenField ? "access_token" : "token"} field) with scoped tokens`, async () => {
      const proxy = startProxy({ upstream: registry.url, tokenUsers: { bob: "tok-pw" }, accessTokenField });
      try {
        const file = join(dir, "h.img");
        const img = makeImage(file, 2);
        const anon = new RegistryClient({ host: proxy.host });
        await expect(anon.getManifest("team/h", "1.0")).rejects.toMatchObject({ code: "oci.unauthorized" });
        const client = new RegistryClient({
          host: proxy.host,
          credentials: async () => ({ credential: { username: "bob", secret: "tok-pw" }, source: "test" }),
        });
        await push(client, "team/h", file, img);
        expect(proxy.tokenScopes).toContain("repository:team/h:pull,push");
        const reader = new RegistryClient({
          host: proxy.host,
          credentials: async () => ({ credential: { username: "bob", secret: "tok-pw" }, source: "test" }),
        });
        const art = await resolveArtifact(reader, "team/h", "1.0", "x86_64");
        const out = await downloadImage({ client: reader, repository: "team/h", artifact: art, dir: join(dir, `pull-h${accessTokenField}`) });
        expect(sha256Digest(readFileSync(out.file))).toBe(img.digest);
        expect(existsSync(out.file)).toBe(true);
      } finally {
        proxy.stop();
      }
    });
  }
});
