import { describe, expect, test } from "bun:test";
import { formatAutomationError, InputError, isAutomationError, ScreenError, SnapshotError } from "./errors.ts";

describe("automation errors", () => {
  test("render one line naming the VM and the offending thing, with the hint for scripts", () => {
    const e = new SnapshotError("db", { code: "snapshot.not_found", name: "x", available: [], hint: "list snapshots" });
    expect(e.message).toBe("cannot find snapshot 'x' of VM db (it has no snapshots)");
    expect(formatAutomationError(e)).toBe("cannot find snapshot 'x' of VM db (it has no snapshots) — hint: list snapshots");
  });

  test("a text timeout shortens long OCR text and names the saved screenshot", () => {
    const e = new ScreenError("win", {
      code: "screen.timeout",
      kind: "text",
      target: "login:",
      timeoutMs: 90_000,
      polls: 42,
      lastText: "x ".repeat(300),
      screenshot: "/s/win.png",
      hint: "h",
    });
    expect(e.message).toStartWith('timed out after 90 s waiting for text /login:/ on VM win (42 screens; last OCR text: "x x');
    expect(e.message).toEndWith('…"; screenshot: /s/win.png)');
    expect(e.message.length).toBeLessThan(320);
  });

  test("an image timeout names the best score and place", () => {
    const e = new ScreenError("win", {
      code: "screen.timeout",
      kind: "image",
      target: "ok.png",
      timeoutMs: 1_500,
      polls: 3,
      best: { x: 10, y: 20, score: 0.71234 },
      hint: "h",
    });
    expect(e.message).toBe("timed out after 1.5 s waiting for image ok.png on VM win (3 screens; best score 0.712 at (10, 20))");
  });

  test("isAutomationError recognises the three classes only", () => {
    expect(isAutomationError(new InputError("a", { code: "input.no_tablet", hint: "" }))).toBe(true);
    expect(isAutomationError(new Error("x"))).toBe(false);
  });
});
