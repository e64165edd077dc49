import { describe, expect, test } from "bun:test";
import { DEFAULT_HOST_CONFIG, loadHostConfig } from "./host.ts";
import { discoverLabFile } from "./discover.ts";
import { dnsLabelProblem, parseCidr, parseIPv4, parseMac } from "./net.ts";

describe("loadHostConfig()", () => {
  test("an absent file means all defaults", () => {
    expect(loadHostConfig(undefined, "/c/config.wcl")).toMatchObject({ config: DEFAULT_HOST_CONFIG, diagnostics: [] });
  });
  test("reads every host attribute", () => {
    const r = loadHostConfig(
      'host {\n subnet_pool = "10.9.0.0/16"\n dns_suffix = "lab"\n dns_upstream = "1.1.1.1:53"\n disk_low_percent = 5\n psk = "k"\n viewer = "v {}"\n oci_chunk_size = 256MiB\n forward_bind = "0.0.0.0"\n trunk_port = 7400\n trunk_bind = "10.0.0.2"\n}',
      "/c",
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.config).toEqual({
      subnetPool: "10.9.0.0/16",
      dnsSuffix: "lab",
      dnsUpstream: "1.1.1.1:53",
      diskLowPercent: 5,
      forwardBind: "0.0.0.0",
      psk: "k",
      trunkPort: 7400,
      trunkBind: "10.0.0.2",
      viewer: "v {}",
      ociChunkSize: 256 * 2 ** 20,
      insecureRegistries: [],
    });
  });
  test("diagnoses bad values and keeps defaults for them", () => {
    const r = loadHostConfig(
      'host { disk_low_percent = 150 dns_upstream = "resolver" colour = 1 forward_bind = "everywhere" trunk_port = 70000 trunk_bind = "x" }',
      "/c",
    );
    expect(r.diagnostics.map((d) => d.code)).toEqual([
      "config.out_of_range",
      "config.unknown_attribute",
      "config.out_of_range",
      "config.invalid_address",
      "config.invalid_address",
      "config.invalid_address",
    ]);
    expect(r.config.trunkBind).toBe("127.0.0.1");
    expect(r.config.forwardBind).toBe("127.0.0.1");
  });
});

describe("discoverLabFile()", () => {
  const tree = new Set(["/a/vmlab.wcl", "/a/b/c/x.wcl"]);
  test("walks up from the cwd like git", () => {
    expect(discoverLabFile("/a/b/c", undefined, (p) => tree.has(p))).toEqual({ ok: true, file: "/a/vmlab.wcl" });
  });
  test("-f wins and is resolved against the cwd", () => {
    expect(discoverLabFile("/a/b/c", "x.wcl", (p) => tree.has(p))).toEqual({ ok: true, file: "/a/b/c/x.wcl" });
    expect(discoverLabFile("/", undefined, (p) => tree.has(p)).ok).toBe(false);
  });
  test('a lab file that is a directory, FIFO or device is named as such (not "does not exist")', () => {
    const kinds: Record<string, "file" | "dir" | "other"> = { "/d/vmlab.wcl": "dir", "/f/fifo": "other", "/z/vmlab.wcl": "other" };
    const kind = (p: string) => kinds[p];
    expect(discoverLabFile("/d", undefined, kind)).toMatchObject({ ok: false, message: "Cannot read lab file: /d/vmlab.wcl is a directory" });
    expect(discoverLabFile("/d", "vmlab.wcl", kind)).toMatchObject({ ok: false, message: "Cannot read lab file: /d/vmlab.wcl is a directory" });
    expect(discoverLabFile("/f", "fifo", kind)).toMatchObject({
      ok: false,
      message: "Cannot read lab file: /f/fifo is not a regular file (a device, FIFO or socket)",
    });
    expect(discoverLabFile("/z/sub", undefined, kind)).toMatchObject({
      ok: false,
      message: "Cannot read lab file: /z/vmlab.wcl is not a regular file (a device, FIFO or socket)",
    });
  });
});

describe("address parsers", () => {
  test("accept good input and reject bad input without throwing", () => {
    expect(parseIPv4("10.0.0.1")).toBe(0x0a000001);
    for (const bad of ["10.0.0", "10.0.0.256", "01.0.0.1", "a.b.c.d", ""]) expect(parseIPv4(bad)).toBeUndefined();
    expect(parseCidr("10.0.0.0/8")).toEqual({ network: 0x0a000000, prefix: 8, size: 2 ** 24 });
    expect("reason" in parseCidr("10.0.0.1/8")).toBe(true);
    expect(parseMac("52:54:00:AB:cd:ef")).toBe("52:54:00:ab:cd:ef");
    expect(parseMac("53:54:00:ab:cd:ef")).toBeUndefined();
    expect(dnsLabelProblem("dc01")).toBeUndefined();
    expect(dnsLabelProblem("-x")).toBeDefined();
  });
});
