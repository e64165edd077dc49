import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { replyError, request, serveUnix } from "./transport.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

describe("replyError()", () => {
  test("a coded error body is rebuilt with its code, subject and hint", async () => {
    const r = Response.json({ error: { code: "cp.failed", message: "cannot read vm:/x", subject: "vm:/x", hint: "check it" } }, { status: 422 });
    const e = await replyError(r);
    expect(e.code).toBe("cp.failed");
    expect(e.subject).toBe("vm:/x");
    expect(e.hint).toBe("check it");
  });

  const bad: [string, string | null][] = [
    ["a JSON null body", "null"],
    ["an empty body", null],
    ["a non-JSON body", "Payload Too Large"],
    ["an error that is null", '{"error": null}'],
    ["an error without a code", '{"error": {"message": "x"}}'],
    ["a JSON array", "[1,2]"],
  ];
  for (const [what, body] of bad) {
    test(`${what} becomes daemon.bad_reply naming the status`, async () => {
      const e = await replyError(new Response(body, { status: 413 }));
      expect(e.code).toBe("daemon.bad_reply");
      expect(e.message).toContain("HTTP 413");
      expect(e.detail).toEqual({ status: 413 });
    });
  }
});

describe("request() against a real unix socket", () => {
  test("every non-2xx reply is a coded error, and a 2xx reply that is not JSON is daemon.bad_reply", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vmlab-transport-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const sock = join(dir, "s.sock");
    const server = await serveUnix(sock, (req) => {
      const p = new URL(req.url).pathname;
      if (p === "/v1/ping") return new Response("{}");
      if (p === "/empty413") return new Response(null, { status: 413 });
      if (p === "/null500") return new Response("null", { status: 500 });
      if (p === "/html200") return new Response("<html>", { status: 200 });
      return Response.json({ error: { code: "vm.not_found", message: "no VM named x", subject: "x" } }, { status: 404 });
    });
    cleanups.push(() => server.stop());
    await expect(request(sock, "GET", "/empty413", undefined, z.unknown())).rejects.toMatchObject({ code: "daemon.bad_reply" });
    await expect(request(sock, "GET", "/null500", undefined, z.unknown())).rejects.toMatchObject({ code: "daemon.bad_reply" });
    await expect(request(sock, "GET", "/html200", undefined, z.unknown())).rejects.toMatchObject({ code: "daemon.bad_reply" });
    await expect(request(sock, "GET", "/coded", undefined, z.unknown())).rejects.toMatchObject({ code: "vm.not_found", subject: "x" });
  });
});
