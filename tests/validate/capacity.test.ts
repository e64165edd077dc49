/**
 * Capacity and malformed-file checks of `validate` (issue #19 items 9, 10,
 * 12): a lab that cannot fit (more NICs than its subnet holds, more memory or
 * vCPUs than QEMU starts) is an error with a code and a location; above the
 * host's resources it is a warning; an unclosed `{` reports only the syntax
 * error, not a spurious `config.empty_lab_file`.
 */
import { describe, expect, test } from "bun:test";
import { validateLab } from "../../core/config/mod.ts";
import { loadProfiles } from "../../core/config/mod.ts";
import { check, fakeFiles, LAB } from "./harness.ts";

const lab = (body: string) => `import <vmlab.wcl>\nlab "t" {\n${body}\n}\n`;
const many = (n: number, segment: string) =>
  Array.from({ length: n }, (_, i) => `  vm "n${i}" {\n    template = "x86_64/linux-modern"\n    nic { segment = "${segment}" }\n  }`).join("\n");

describe("subnet capacity", () => {
  test("300 VMs on a /28 is subnet-too-small at the subnet, naming the segment", () => {
    const src = lab(`  segment "lan" { subnet = "10.9.0.0/28" }\n${many(300, "lan")}`);
    expect(check(src)).toEqual(["config.subnet_too_small@3:28 lan"]);
  });
  test("a /28 holds 13 guests (network, broadcast and gateway are taken), static ones included", () => {
    expect(check(lab(`  segment "lan" { subnet = "10.9.0.0/28" }\n${many(13, "lan")}`))).toEqual([]);
    const fourteen = lab(
      `  segment "lan" { subnet = "10.9.0.0/28" }\n${many(13, "lan")}\n  vm "s" {\n    template = "x86_64/linux-modern"\n    nic { segment = "lan" ip = "10.9.0.14" }\n  }`,
    );
    expect(check(fourteen)).toEqual(["config.subnet_too_small@3:28 lan"]);
  });
});

describe("memory and vCPUs", () => {
  const vm = (attrs: string) => lab(`  vm "big" {\n    template = "x86_64/linux-modern"\n    ${attrs}\n  }`);
  test("memory = 1PiB is an error above what QEMU gives a guest", () => {
    expect(check(vm("memory = 1PiB"))).toEqual(["config.memory_too_large@5:14 memory"]);
  });
  test("cpus above QEMU's limit for the arch is an error", () => {
    expect(check(vm("cpus = 1000"))).toEqual(["config.cpus_too_many@5:12 cpus"]);
    expect(check(vm("cpus = 255"))).toEqual([]);
  });
  test("above the host's RAM or CPUs is a warning, not an error", () => {
    const v = validateLab(LAB, {
      files: fakeFiles({ [LAB]: vm("memory = 64GiB\n    cpus = 8") }),
      store: undefined,
      profiles: loadProfiles([]).profiles,
      scripts: undefined,
      home: "/home/u",
      host: { memoryBytes: 16 * 2 ** 30, cpus: 2 },
    });
    expect(v.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(["warning config.memory_over_host", "warning config.cpus_over_host"]);
  });
});

describe("a lab file that does not parse", () => {
  test("an unclosed { reports the syntax error only, not empty-lab-file", () => {
    const codes = check('import <vmlab.wcl>\nlab "t" {\n  vm "a" {\n    template = "x86_64/linux-modern"\n  }\n').map((c) => c.split("@")[0]);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes).not.toContain("config.empty_lab_file");
  });
  test("a file that parses and declares nothing is still empty-lab-file", () => {
    expect(check("let x = 1\n").map((c) => c.split("@")[0])).toContain("config.empty_lab_file");
  });
});
