import { describe, expect, test } from "bun:test";
import { decideAccel, fallbackWarning, probeBootSector } from "./accel.ts";

const never = () => {
  throw new Error("the probe must not run");
};

describe("decideAccel()", () => {
  test("VMLAB_ACCEL forces a choice without probing", () => {
    expect(decideAccel({ forced: "kvm", sameArch: true, kvmUsable: false, probe: never }).accel).toBe("kvm");
    expect(decideAccel({ forced: "TCG", sameArch: true, kvmUsable: true, probe: never }).accel).toBe("tcg");
  });

  test("an unknown VMLAB_ACCEL value falls back to tcg and says why", () => {
    const d = decideAccel({ forced: "hvf", sameArch: true, kvmUsable: true, probe: never });
    expect(d).toMatchObject({ accel: "tcg", fellBack: false });
    expect(d.reason).toContain("VMLAB_ACCEL=hvf");
  });

  test("cross-architecture guests use tcg without probing", () => {
    expect(decideAccel({ sameArch: false, kvmUsable: true, probe: never })).toMatchObject({ accel: "tcg", fellBack: false });
  });

  test("a missing /dev/kvm is tcg without the loud warning", () => {
    expect(decideAccel({ sameArch: true, kvmUsable: false, probe: never })).toMatchObject({ accel: "tcg", fellBack: false });
  });

  test("kvm is chosen only when the probe guest ran", () => {
    expect(decideAccel({ sameArch: true, kvmUsable: true, probe: () => ({ ok: true }) }).accel).toBe("kvm");
  });

  test("a failed probe falls back to tcg loudly, with the probe's reason", () => {
    const d = decideAccel({ sameArch: true, kvmUsable: true, probe: () => ({ ok: false, reason: "the probe guest hung" }) });
    expect(d).toMatchObject({ accel: "tcg", fellBack: true });
    expect(fallbackWarning(d)).toContain("the probe guest hung");
    expect(fallbackWarning(d)).toContain("VMLAB_ACCEL");
  });
});

describe("probeBootSector()", () => {
  test("is one 512-byte sector with the boot signature and the exit-port write first", () => {
    const s = probeBootSector();
    expect(s.length).toBe(512);
    expect([s[510], s[511]]).toEqual([0x55, 0xaa]);
    expect([s[0], s[2], s[3]]).toEqual([0xb0, 0xe6, 0xf4]);
  });
});
