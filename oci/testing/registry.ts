/**
 * A real registry for tests: Debian's `docker-registry` (distribution 2.8)
 * started on 127.0.0.1 with its own temporary config and storage — never
 * the packaged config, which listens on every interface. Optionally with
 * htpasswd Basic auth (bcrypt hashes made by Bun.password).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REGISTRY_BIN = "/usr/bin/docker-registry";

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  readonly url: string;
  /** Storage root (`docker/registry/v2/…` below it). */
  readonly storage: string;
  /** Path of a blob's data file on disk. */
  blobPath(digest: string): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export async function startRegistry(opts: { users?: Record<string, string> } = {}): Promise<TestRegistry> {
  if (!(await Bun.file(REGISTRY_BIN).exists())) throw new Error(`${REGISTRY_BIN} is missing: install the docker-registry package (npm test does)`);
  const dir = mkdtempSync(join(tmpdir(), "vmlab-registry-"));
  const storage = join(dir, "storage");
  const port = await freePort();
  let auth = "";
  if (opts.users) {
    const lines = await Promise.all(Object.entries(opts.users).map(async ([u, p]) => `${u}:${await Bun.password.hash(p, { algorithm: "bcrypt", cost: 4 })}`));
    writeFileSync(join(dir, "htpasswd"), `${lines.join("\n")}\n`);
    auth = `auth:\n  htpasswd:\n    realm: vmlab-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: ${crypto.randomUUID()}\n${auth}`,
  );
  const proc = Bun.spawn([REGISTRY_BIN, "serve", config], { stdout: "ignore", stderr: "pipe" });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/v2/`);
      await r.body?.cancel();
      if (r.status === 200 || r.status === 401) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill();
      const err = await new Response(proc.stderr).text();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`docker-registry did not start: ${err.slice(0, 500)}`);
    }
    await Bun.sleep(50);
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    storage,
    blobPath: (digest) => {
      const hex = digest.replace(/^sha256:/, "");
      return join(storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    },
    async stop() {
      proc.kill();
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
