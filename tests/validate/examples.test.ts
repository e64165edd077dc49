/**
 * Every WCL example in the reference book validates. Complete files (those
 * declaring `lab`/`template`) are checked as they are; fragments are placed
 * in the context they document (a VM inside a lab, a `dns` block inside a
 * segment, …) next to the VMs and segments they mention, one top-level item
 * at a time (fragments often show alternatives side by side). Placeholders
 * are made concrete: `sha256 = "abc123…"` becomes 64 hex digits, and the
 * segment `other_segment` becomes `other-segment` (segment names are DNS
 * labels).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "bun:test";
import { loadHostConfig } from "../../core/config/mod.ts";
import { parse } from "../../core/wcl/mod.ts";
import { check, DEFAULT_TREE } from "./harness.ts";

const DIR = join(import.meta.dir, "../../../shared/reference/vmlab");

const STUBS = [
  '  segment "corp" { subnet = "10.50.0.0/24" }',
  '  segment "dmz" { }',
  '  segment "other-segment" { }',
  ...["dc01", "client01", "box"].map((n) => `  vm "${n}" { template = "x86_64/linux-modern" nic { segment = "corp" } }`),
];

const IN_LAB = ["vm", "segment", "provision", "on", "record", "sinkhole"];
const IN_VM = ["nic", "media", "disk", "share", "gpu"];
const IN_SEGMENT = ["dns", "connect", "route", "forward", "block", "redirect"];

/** Stubs the item does not declare itself. */
function stubsFor(item: string): string {
  return STUBS.filter((line) => {
    const m = /(segment|vm) "([^"]+)"/.exec(line);
    return m === null || !item.includes(`${m[1]} "${m[2]}"`);
  })
    .map((l) => `${l}\n`)
    .join("");
}

/** A fragment's top-level items, so alternatives shown side by side are checked one at a time. */
function items(fragment: string): string[] {
  const parsed = parse(fragment, "frag.wcl");
  return parsed.file.items.map((i) => fragment.slice(i.span.start, i.span.end));
}

function wrap(item: string, kind: string): string | undefined {
  if (IN_LAB.includes(kind)) return `lab "x" {\n${stubsFor(item)}${item}\n}\n`;
  if (IN_VM.includes(kind))
    return `lab "x" {\n${stubsFor(item)}  vm "frag" {\n    template = "x86_64/linux-modern"\n${kind === "nic" ? "" : "    nic { nat = true }\n"}${item}\n  }\n}\n`;
  if (IN_SEGMENT.includes(kind)) return `lab "x" {\n${stubsFor('segment "corp"')}  segment "corp" {\n    subnet = "10.50.0.0/24"\n${item}\n  }\n}\n`;
  if (kind === "source") return `template "frag" {\n  arch = "x86_64"\n  version = "1"\n  disk = 1GiB\n${item}\n}\n`;
  return undefined;
}

/** Examples that document a combination validate must reject. */
const EXPECTED_ERRORS: Record<string, readonly string[]> = {
  // The all-attributes VM shows `disk` ("scratch VMs only") next to a cloned template.
  "entity_vms.md #1": ["config.disk_on_clone"],
};

const examples = existsSync(DIR)
  ? readdirSync(DIR)
      .filter((f) => f.endsWith(".md"))
      .flatMap((f) => [...readFileSync(join(DIR, f), "utf8").matchAll(/```wcl\n([\s\S]*?)```/g)].map((m, i) => ({ name: `${f} #${i + 1}`, text: m[1] ?? "" })))
  : [];

/** Warnings that depend on the machine validating, not on the example (a PCI address only the author's host has). */
const HOST_DEPENDENT = new Set(["config.gpu_device_not_found"]);

describe.skipIf(examples.length === 0)("reference examples", () => {
  test("there are examples to check", () => {
    expect(examples.length).toBeGreaterThan(30);
  });
  for (const ex of examples) {
    const text = ex.text.replace(/sha256 = "[^"]*"/g, `sha256 = "${"ab".repeat(32)}"`).replaceAll("other_segment", "other-segment");
    if (/^\s*host\s*\{/m.test(text)) {
      test(`${ex.name} is a valid host config`, () => {
        expect(loadHostConfig(text, "/cfg/config.wcl").diagnostics).toEqual([]);
      });
      continue;
    }
    const full = /^\s*(?:import <vmlab\.wcl>\s*)?(lab|template)\s+"/.test(text.replace(/^\s*\/\/.*$/gm, ""));
    test(`${ex.name} validates`, () => {
      const sources = full ? [text] : items(text).map((item) => wrap(item, /^[a-z_]+/.exec(item)?.[0] ?? ""));
      expect(sources.length).toBeGreaterThan(0);
      const got = sources.flatMap((src) => {
        expect(src).toBeDefined();
        return check(src ?? "", { tree: [...DEFAULT_TREE, "/lab/cloudinit/"] })
          .map((d) => d.split("@")[0])
          .filter((code) => !HOST_DEPENDENT.has(code ?? ""));
      });
      expect(got).toEqual([...(EXPECTED_ERRORS[ex.name] ?? [])]);
    });
  }
});
