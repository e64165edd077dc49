/**
 * The schema reference is generated, never hand-synced: the committed
 * docs/schema.md must equal `vmlab schema --markdown`, and every block,
 * attribute, type, required flag and description of the upstream reference
 * (fact_schema_reference.md) must be present in our schema.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "bun:test";
import { BLOCKS, schemaMarkdown } from "../../core/config/mod.ts";

const REPO = join(import.meta.dir, "../..");
const REFERENCE = join(REPO, "../shared/reference/vmlab/fact_schema_reference.md");

/** `(kind, rows)` for every property table in a reference markdown file. */
function referenceTables(md: string): { kind: string; props: string[][]; children: string[][] }[] {
  const out: { kind: string; props: string[][]; children: string[][] }[] = [];
  let cur: { kind: string; props: string[][]; children: string[][] } | undefined;
  let inChildren = false;
  for (const line of md.split("\n")) {
    const h = /^#+ `([a-z_]+)`/.exec(line);
    if (h) {
      cur = { kind: h[1] ?? "", props: [], children: [] };
      out.push(cur);
      inChildren = false;
      continue;
    }
    if (/^#+ Child blocks/.test(line)) inChildren = true;
    const row = /^\| `([^`]+)` \| `([^`]+)` \| (yes|no) \| (.*) \|$/.exec(line);
    if (row && cur) (inChildren ? cur.children : cur.props).push(row.slice(1, 5) as string[]);
  }
  return out;
}

/**
 * Attributes where vmlab deliberately goes beyond the reference; only their
 * type must still match. Each entry says why.
 */
const EXTENSIONS = new Map<string, string>([
  // `connect { vxlan = … vni = … }` joins a segment to a real VTEP, so `host` is one of two alternatives, not required.
  ["connect.host", "vxlan is the alternative to host"],
  // `disk { from size }` makes a FAT disk of that size from the folder, so `size` is not only a blank disk's size.
  ["disk.size", "also sizes a disk made from a folder"],
  ["disk.from", "the doc says which FAT and how it is sized"],
]);

const norm = (s: string) => s.replace(/\s+/g, " ").trim();

describe("docs/schema.md", () => {
  test("matches the output of `vmlab schema --markdown` (regenerate with `vmlab schema --markdown > docs/schema.md`)", () => {
    expect(readFileSync(join(REPO, "docs/schema.md"), "utf8")).toBe(schemaMarkdown());
  });

  test("every child slot names a block kind the schema defines", () => {
    for (const b of BLOCKS.values()) for (const c of b.children) expect(BLOCKS.has(c.kind)).toBe(true);
  });

  test.skipIf(!existsSync(REFERENCE))("covers every block, attribute, type, required flag and description of the reference", () => {
    const tables = referenceTables(readFileSync(REFERENCE, "utf8"));
    expect(tables.length).toBeGreaterThan(20);
    const ours = referenceTables(schemaMarkdown());
    for (const t of tables) {
      const spec = BLOCKS.get(t.kind);
      expect(spec?.kind).toBe(t.kind);
      for (const [name, type, required, doc] of t.props) {
        const a = spec?.attrs.find((x) => x.name === name);
        if (EXTENSIONS.has(`${t.kind}.${name}`)) {
          expect({ kind: t.kind, name, type: a?.type as string | undefined }).toEqual({ kind: t.kind, name, type });
          continue;
        }
        // Our description may add to the reference's (it must start with it), never contradict it.
        const ours = norm(a?.doc ?? "");
        const theirs = norm(doc ?? "");
        const docOk = ours === theirs || (theirs.length > 0 && ours.startsWith(theirs));
        const got: Record<string, unknown> = { kind: t.kind, name, type: a?.type, required: a?.required, doc: docOk ? theirs : ours };
        expect(got).toEqual({ kind: t.kind, name, type, required: required === "yes", doc: theirs });
      }
      for (const [slot, kind, multiple, doc] of t.children) {
        const c = spec?.children.find((x) => x.slot === slot);
        const got: Record<string, unknown> = { slot, kind: c?.kind, multiple: c?.multiple, doc: c?.doc };
        expect(got).toEqual({ slot, kind, multiple: multiple === "yes", doc });
      }
      expect(ours.some((o) => o.kind === t.kind)).toBe(true);
    }
  });
});
