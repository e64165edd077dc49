import { describe, expect, test } from "bun:test";
import { areaOf, directionViolation, VMLAB_LAYERS, type Layering } from "./layers.ts";

/** A small fixture layering: app → svc → {liba, libb}, with a shared leaf. */
const FIXTURE: Layering = {
  areas: [
    { name: "leaf", paths: ["leaf/"], rank: 0, shared: true },
    { name: "liba", paths: ["liba/"], rank: 1 },
    { name: "libb", paths: ["libb/"], rank: 1 },
    { name: "svc1", paths: ["svc1/"], rank: 2 },
    { name: "svc2", paths: ["svc2/"], rank: 2 },
    { name: "app", paths: ["app/", "app.ts"], rank: 3 },
  ],
  isolatedRanks: [1],
};

describe("directionViolation on a fixture layering", () => {
  test("higher areas import lower ones and their own", () => {
    expect(directionViolation(FIXTURE, "app/x.ts", "svc1/y.ts")).toBeUndefined();
    expect(directionViolation(FIXTURE, "svc1/y.ts", "liba/z.ts")).toBeUndefined();
    expect(directionViolation(FIXTURE, "app.ts", "liba/z.ts")).toBeUndefined();
    expect(directionViolation(FIXTURE, "liba/a.ts", "liba/deep/b.ts")).toBeUndefined();
  });

  test("a lower area importing a higher one is refused, naming both", () => {
    expect(directionViolation(FIXTURE, "liba/a.ts", "svc1/y.ts")).toContain("liba may not import svc1");
    expect(directionViolation(FIXTURE, "svc2/a.ts", "app/x.ts")).toContain("svc2 may not import app");
  });

  test("areas of one rank import each other unless the rank is isolated", () => {
    expect(directionViolation(FIXTURE, "svc1/a.ts", "svc2/b.ts")).toBeUndefined();
    expect(directionViolation(FIXTURE, "liba/a.ts", "libb/b.ts")).toContain("independent libraries");
  });

  test("everyone may import a shared leaf, which imports nothing outside itself", () => {
    expect(directionViolation(FIXTURE, "liba/a.ts", "leaf/t.ts")).toBeUndefined();
    expect(directionViolation(FIXTURE, "leaf/t.ts", "leaf/u.ts")).toBeUndefined();
    expect(directionViolation(FIXTURE, "leaf/t.ts", "liba/a.ts")).toContain("shared leaf");
  });

  test("paths outside every area are unconstrained both ways", () => {
    expect(directionViolation(FIXTURE, "tests/e2e/x.test.ts", "app/x.ts")).toBeUndefined();
    expect(directionViolation(FIXTURE, "liba/a.ts", "tests/helper.ts")).toBeUndefined();
  });

  test("a file path area matches only that file", () => {
    expect(areaOf(FIXTURE, "app.ts")?.name).toBe("app");
    expect(areaOf(FIXTURE, "app.tsx")).toBeUndefined();
  });
});

describe("vmlab's layering (DESIGN §3)", () => {
  test("the libraries import nothing from core/daemon or core/cli", () => {
    for (const lib of ["wscript/check/checker.ts", "net/nat/tcp.ts", "oci/ref.ts", "core/wcl/parser.ts"]) {
      expect(directionViolation(VMLAB_LAYERS, lib, "core/daemon/protocol.ts")).toBeDefined();
      expect(directionViolation(VMLAB_LAYERS, lib, "core/cli/run.ts")).toBeDefined();
    }
  });

  test("net may use the shared clock and errors but not core/config", () => {
    expect(directionViolation(VMLAB_LAYERS, "net/switch.ts", "core/clock/mod.ts")).toBeUndefined();
    expect(directionViolation(VMLAB_LAYERS, "net/switch.ts", "core/errors/mod.ts")).toBeUndefined();
    expect(directionViolation(VMLAB_LAYERS, "net/switch.ts", "core/config/mod.ts")).toBeDefined();
  });

  test("cli → daemon → config → wcl is the allowed direction, not the reverse", () => {
    expect(directionViolation(VMLAB_LAYERS, "core/cli/client.ts", "core/daemon/protocol.ts")).toBeUndefined();
    expect(directionViolation(VMLAB_LAYERS, "core/daemon/protocol.ts", "core/config/plan_schema.ts")).toBeUndefined();
    expect(directionViolation(VMLAB_LAYERS, "core/config/plan.ts", "core/wcl/mod.ts")).toBeUndefined();
    expect(directionViolation(VMLAB_LAYERS, "core/config/plan.ts", "core/daemon/errors.ts")).toBeDefined();
    expect(directionViolation(VMLAB_LAYERS, "core/daemon/app.ts", "core/cli/client.ts")).toBeDefined();
  });
});
