import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findCredential, removeLogin, saveLogin, type HelperRunner } from "./credentials.ts";

const dir = mkdtempSync(join(tmpdir(), "vmlab-creds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const b64 = (s: string) => Buffer.from(s).toString("base64");

function dockerConfig(name: string, doc: unknown): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "config.json"), JSON.stringify(doc));
  return d;
}

describe("findCredential()", () => {
  test("reads Docker auths, matching keys with scheme and path, and Hub's legacy key", async () => {
    const d = dockerConfig("a", { auths: { "https://ghcr.io": { auth: b64("u:p:with:colons") }, "https://index.docker.io/v1/": { auth: b64("hub:pw") } } });
    const env = { DOCKER_CONFIG: d };
    expect((await findCredential("ghcr.io", { env, home: dir }))?.credential).toEqual({ username: "u", secret: "p:with:colons" });
    expect((await findCredential("docker.io", { env, home: dir }))?.credential).toEqual({ username: "hub", secret: "pw" });
    expect(await findCredential("quay.io", { env, home: dir })).toBeUndefined();
  });
  test("credHelpers win over credsStore, which wins over auths; helpers get the host", async () => {
    const asked: string[] = [];
    const runHelper: HelperRunner = async (helper, url) => {
      asked.push(`${helper} ${url}`);
      return helper === "none" ? undefined : { username: helper, secret: "s" };
    };
    const d = dockerConfig("b", { auths: { "r.example": { auth: b64("plain:pw") } }, credsStore: "store", credHelpers: { "h.example": "helper" } });
    const env = { DOCKER_CONFIG: d };
    expect((await findCredential("h.example", { env, home: dir, runHelper }))?.source).toBe("docker-credential-helper");
    expect((await findCredential("r.example", { env, home: dir, runHelper }))?.credential.username).toBe("store");
    expect(asked).toEqual(["helper h.example", "store r.example"]);
  });
  test("vmlab's login file, then $REGISTRY_AUTH_FILE, come before Docker's config", async () => {
    const d = dockerConfig("c", { auths: { "x.example": { auth: b64("docker:pw") } } });
    const authFile = join(dir, "auth.json");
    writeFileSync(authFile, JSON.stringify({ auths: { "x.example": { auth: b64("podman:pw") } } }));
    const loginFile = join(dir, "vmlab", "registry-auth.json");
    const env = { DOCKER_CONFIG: d, REGISTRY_AUTH_FILE: authFile };
    expect((await findCredential("x.example", { env, home: dir, loginFile }))?.credential.username).toBe("podman");
    saveLogin(loginFile, "x.example", { username: "mine", secret: "pw" });
    expect(statSync(loginFile).mode & 0o777).toBe(0o600);
    expect((await findCredential("x.example", { env, home: dir, loginFile }))?.credential.username).toBe("mine");
    expect(readFileSync(loginFile, "utf8")).not.toContain('"pw"');
    expect(removeLogin(loginFile, "x.example")).toBe(true);
    expect(removeLogin(loginFile, "x.example")).toBe(false);
    expect((await findCredential("x.example", { env, home: dir, loginFile }))?.credential.username).toBe("podman");
  });
  test("a broken config is a coded error naming the file", async () => {
    const d = join(dir, "broken");
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "config.json"), "{nope");
    await expect(findCredential("a.example", { env: { DOCKER_CONFIG: d }, home: dir })).rejects.toMatchObject({
      code: "oci.auth_file_invalid",
      subject: join(d, "config.json"),
    });
  });
  test("a missing helper binary is oci.credential_helper_failed", async () => {
    const d = dockerConfig("e", { credHelpers: { "z.example": "vmlab-no-such-helper" } });
    await expect(findCredential("z.example", { env: { DOCKER_CONFIG: d }, home: dir })).rejects.toMatchObject({ code: "oci.credential_helper_failed" });
  });
});
