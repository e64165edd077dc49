import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TemplateDef } from "../config/model.ts";
import { TemplateStore } from "../store/store.ts";
import { tempDir } from "../store/testing/disks.ts";
import { resolveSource } from "./source.ts";

const work = tempDir("vmlab-build-source-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

test("a qcow2 build source whose data_file is a host file is refused before it backs the build disk", async () => {
  const secret = join(work, "secret");
  writeFileSync(secret, Buffer.alloc(1 << 20, 0x41));
  const evil = join(work, "cloud.qcow2");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-o", `data_file=${secret},data_file_raw=on`, evil, "1M"]);
  const t = { name: "evil", source: { kind: "qcow2", path: evil, url: undefined, sha256: undefined, from: undefined } } as unknown as TemplateDef;
  const ctx = { path: (p: string) => p, store: new TemplateStore({ root: join(work, "store") }), downloads: join(work, "dl") };
  await expect(resolveSource(t, ctx)).rejects.toMatchObject({ code: "image.external_data_file" });
  const ok = join(work, "ok.qcow2");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", ok, "1M"]);
  const good = { ...t, source: { ...t.source, path: ok } } as TemplateDef;
  expect((await resolveSource(good, ctx)).base?.path).toBe(ok);
});
