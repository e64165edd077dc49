import { describe, expect, test } from "bun:test";
import { parseMetadata, renderMetadata, type TemplateMetadata } from "./metadata.ts";

const sample: TemplateMetadata = {
  formatVersion: 1,
  arch: "x86_64",
  name: "linux-modern",
  version: "1.10",
  profile: "linux-modern",
  created: "2025-01-02T03:04:05.000Z",
  disk: { file: "disk.qcow2", format: "qcow2", size: 196_616, virtualSize: 21_474_836_480, sha256: "a".repeat(64) },
  origin: { kind: "adopt", source: '/srv/images/odd "name".qcow2' },
  hardware: { cpus: 4, memory: 8 * 2 ** 30, firmware: "ovmf", tpm: true, qemu_args: ["-device", "x"] },
};

describe("template.wcl metadata", () => {
  test("renders WCL that parses back to the same metadata", () => {
    const text = renderMetadata(sample);
    expect(text).toContain('template "linux-modern" {');
    expect(text).toContain("virtual_size = 21474836480");
    const back = parseMetadata(text, "/t/template.wcl");
    expect(back).toEqual({ ok: true, metadata: sample });
  });

  test("a template without profile or hardware round-trips", () => {
    const { profile: _p, ...rest } = sample;
    const bare: TemplateMetadata = { ...rest, hardware: {}, origin: { kind: "build" } };
    expect(parseMetadata(renderMetadata(bare), "x")).toEqual({ ok: true, metadata: bare });
  });

  test("a build's origin (source digest, tool, build time) round-trips", () => {
    const built: TemplateMetadata = {
      ...sample,
      origin: { kind: "build", source: "https://example.org/x.qcow2", sourceSha256: "b".repeat(64), tool: "vmlab 0.1.0", buildSeconds: 18.6 },
    };
    const text = renderMetadata(built);
    expect(text).toContain(`source_sha256 = "${"b".repeat(64)}"`);
    expect(parseMetadata(text, "x")).toEqual({ ok: true, metadata: built });
  });

  test("a syntax error is reported, not thrown", () => {
    const r = parseMetadata('template "x" { arch = ', "/t/template.wcl");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain("/t/template.wcl");
  });

  test("a missing sha256 is reported with its path", () => {
    const text = renderMetadata(sample).replace(/\s*sha256\s*=.*\n/, "\n");
    const r = parseMetadata(text, "m.wcl");
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.reason).toContain("disk.sha256");
  });

  test("two template blocks are rejected", () => {
    const t = renderMetadata(sample);
    expect(parseMetadata(t + t, "m.wcl").ok).toBe(false);
  });

  test("an unknown format version is rejected", () => {
    expect(parseMetadata(renderMetadata(sample).replace("format_version = 1", "format_version = 2"), "m").ok).toBe(false);
  });
});
