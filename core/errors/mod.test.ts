import { describe, expect, test } from "bun:test";
import { CodedError, statusForCode } from "./mod.ts";

describe("CodedError", () => {
  test("status follows the code's kind and family", () => {
    expect(statusForCode("lab.not_found")).toBe(404);
    expect(statusForCode("template.in_use")).toBe(409);
    expect(statusForCode("config.invalid_cidr")).toBe(422);
    expect(statusForCode("disk.full")).toBe(507);
    expect(statusForCode("request.invalid")).toBe(400);
    expect(statusForCode("internal")).toBe(500);
    expect(statusForCode("auth.unauthorized")).toBe(401);
  });

  test("round-trips through JSON", () => {
    const e = new CodedError("store.in_use", "template x is in use", {
      subject: "x86_64/x@1",
      hint: "destroy the lab first",
      detail: { clones: ["a"] },
      location: { file: "vmlab.wcl", line: 3, col: 5 },
    });
    const back = CodedError.fromJSON(JSON.parse(JSON.stringify(e)));
    expect(back.toJSON()).toEqual(e.toJSON());
    expect(back.status).toBe(409);
  });

  test("from() keeps codes of other error shapes and maps ENOSPC", () => {
    const legacy = Object.assign(new Error("agent gone"), { code: "vm.agent_unavailable", hint: "wait" });
    expect(CodedError.from(legacy).code).toBe("vm.agent_unavailable");
    expect(CodedError.from(legacy).hint).toBe("wait");
    expect(CodedError.from(Object.assign(new Error("x"), { code: "ENOSPC" })).code).toBe("disk.full");
    expect(CodedError.from(new Error("boom")).code).toBe("internal");
    expect(CodedError.from("str").message).toBe("str");
  });

  test("withContext() names what the caller was doing and keeps the code, hint and detail", () => {
    const inner = new CodedError("qga.command_failed", "guest agent command 'guest-file-open' failed: no such file", {
      subject: "/run/qga.sock",
      hint: "check the guest path",
      detail: { command: "guest-file-open" },
    });
    const e = CodedError.withContext(inner, "cannot read web:/x", { subject: "web:/x" });
    expect(e.toJSON()).toEqual({
      code: "qga.command_failed",
      message: "cannot read web:/x: guest agent command 'guest-file-open' failed: no such file",
      subject: "web:/x",
      hint: "check the guest path",
      detail: { command: "guest-file-open" },
    });
    expect(e.cause).toBe(inner);
    expect(CodedError.withContext(new Error("boom"), "cannot start").code).toBe("internal");
  });
});
