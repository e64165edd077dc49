/**
 * Check an evaluated WCL document against the vmlab schema (schema.ts).
 *
 * Reports, each located at the offending token and naming it: unknown
 * blocks and attributes (with "did you mean"), missing required attributes
 * and labels, unexpected labels, type mismatches (a size written as a bare
 * number gets a hint), values outside an enum or range, and single-instance
 * child blocks given twice. Values that already failed evaluation (`error`)
 * are skipped: their diagnostic exists. `null` counts as absent.
 *
 * Contract: pure; returns every problem found, never throws.
 */
import { didYouMean, error, formatBytes, type Diagnostic, type DocBlock, type Document, type Value } from "../wcl/mod.ts";
import { BLOCKS, type AttrSpec, type BlockSpec } from "./schema.ts";

/** The schema-relevant shape of a file: which root kinds are allowed and which may repeat. */
export interface RootSpec {
  readonly kinds: readonly string[];
  readonly single: readonly string[];
}

export const LAB_FILE: RootSpec = { kinds: ["lab", "template"], single: ["lab"] };
export const HOST_FILE: RootSpec = { kinds: ["host"], single: ["host"] };
export const PROFILE_FILE: RootSpec = { kinds: ["profile"], single: [] };

export function checkSchema(doc: Document, roots: RootSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const at of doc.attrs) {
    out.push(
      error("config.unknown_attribute", `attribute \`${at.name}\` is not allowed at the top level`, at.nameSpan, {
        name: at.name,
        hint: `top-level items are ${roots.kinds.map((k) => `\`${k}\``).join(", ")} blocks; use \`let\` for a shared value`,
      }),
    );
  }
  const seen = new Set<string>();
  for (const b of doc.blocks) {
    if (!roots.kinds.includes(b.kind)) {
      out.push(unknownBlock(b, roots.kinds, "at the top level"));
      continue;
    }
    if (roots.single.includes(b.kind) && seen.has(b.kind)) {
      out.push(error("config.duplicate_block", `only one \`${b.kind}\` block is allowed per file`, b.kindSpan, { name: b.kind }));
    }
    seen.add(b.kind);
    const spec = BLOCKS.get(b.kind);
    if (spec) checkBlock(b, spec, out);
  }
  return out;
}

function unknownBlock(b: DocBlock, allowed: readonly string[], where: string): Diagnostic {
  return error("config.unknown_block", `unknown block \`${b.kind}\` ${where}`, b.kindSpan, {
    name: b.kind,
    hint: didYouMean(b.kind, allowed) ?? (allowed.length > 0 ? `allowed here: ${allowed.join(", ")}` : "this block takes no child blocks"),
  });
}

/** Check one block against its spec (recursively). */
export function checkBlock(b: DocBlock, spec: BlockSpec, out: Diagnostic[]): void {
  const labelAttr = spec.attrs.find((x) => x.label);
  const labels: Value[] = b.id !== undefined ? [{ kind: "string", value: b.id, span: b.kindSpan }, ...b.args] : [...b.args];
  if (labelAttr === undefined) {
    for (const l of labels)
      out.push(error("config.unexpected_label", `a \`${b.kind}\` block takes no inline label`, l.span, { name: b.kind, hint: `write \`${b.kind} { … }\`` }));
  } else {
    for (const l of labels.slice(1)) out.push(error("config.unexpected_label", `a \`${b.kind}\` block takes one inline label`, l.span, { name: b.kind }));
    const given = b.attrs.find((x) => x.name === labelAttr.name);
    const label = labels[0];
    if (label !== undefined && given !== undefined) {
      out.push(
        error("config.duplicate_attribute", `\`${labelAttr.name}\` is given both as the inline label and as an attribute`, given.nameSpan, {
          name: labelAttr.name,
          hint: "keep the inline label",
        }),
      );
    } else if (label !== undefined) {
      checkValue(label, labelAttr, b, out);
    } else if (given === undefined && labelAttr.required) {
      out.push(
        error("config.missing_label", `\`${b.kind}\` block needs its ${labelAttr.name} as an inline label`, b.kindSpan, {
          name: b.kind,
          hint: `write \`${b.kind} "<${labelAttr.name}>" { … }\``,
        }),
      );
    }
  }
  for (const at of b.attrs) {
    const as = spec.attrs.find((x) => x.name === at.name);
    if (as === undefined) {
      out.push(
        error("config.unknown_attribute", `unknown attribute \`${at.name}\` in \`${b.kind}\``, at.nameSpan, {
          name: at.name,
          hint:
            didYouMean(at.name, [...spec.attrs.map((x) => x.name), ...spec.children.map((c) => c.kind)]) ??
            `\`${b.kind}\` accepts ${spec.attrs.map((x) => x.name).join(", ")}`,
        }),
      );
      continue;
    }
    checkValue(at.value, as, b, out);
  }
  for (const as of spec.attrs) {
    if (!as.required || as.label) continue;
    const at = b.attrs.find((x) => x.name === as.name);
    if (at === undefined || at.value.kind === "null") {
      out.push(
        error("config.missing_attribute", `\`${b.kind}\` is missing required attribute \`${as.name}\``, b.kindSpan, {
          name: as.name,
          hint: `add \`${as.name} = …\` (${as.doc.replace(/ \(required\)$/, "")})`,
        }),
      );
    }
  }
  const counts = new Map<string, number>();
  for (const c of b.blocks) {
    const slot = spec.children.find((x) => x.kind === c.kind);
    const cs = slot ? BLOCKS.get(slot.kind) : undefined;
    if (slot === undefined || cs === undefined) {
      const isAttr = spec.attrs.some((x) => x.name === c.kind);
      out.push(
        isAttr
          ? error("config.unknown_block", `\`${c.kind}\` is an attribute of \`${b.kind}\`, not a block`, c.kindSpan, {
              name: c.kind,
              hint: `write \`${c.kind} = …\``,
            })
          : unknownBlock(
              c,
              spec.children.map((x) => x.kind),
              `in \`${b.kind}\``,
            ),
      );
      continue;
    }
    const n = (counts.get(c.kind) ?? 0) + 1;
    counts.set(c.kind, n);
    if (!slot.multiple && n > 1) out.push(error("config.duplicate_block", `\`${b.kind}\` takes at most one \`${c.kind}\` block`, c.kindSpan, { name: c.kind }));
    checkBlock(c, cs, out);
  }
}

const KIND_OF: Record<string, Value["kind"]> = { utf8: "string", i64: "int", bool: "bool", "std.ByteSize": "bytes" };
const TYPE_WORDS: Record<string, string> = {
  utf8: "a string",
  i64: "an integer",
  bool: "a bool",
  "std.ByteSize": "a byte size",
  "list<utf8>": "a list of strings",
};

function checkValue(v: Value, as: AttrSpec, b: DocBlock, out: Diagnostic[]): void {
  if (v.kind === "error" || v.kind === "null") return;
  const mismatch = (got: Value, hint?: string) =>
    out.push(
      error("config.type_mismatch", `\`${as.name}\` in \`${b.kind}\` must be ${TYPE_WORDS[as.type]}, not ${describe(got)}`, got.span, { name: as.name, hint }),
    );
  if (as.type === "list<utf8>") {
    if (v.kind !== "list") return void mismatch(v, v.kind === "string" ? `write \`${as.name} = ["${v.value}"]\`` : undefined);
    for (const item of v.items) if (item.kind !== "string" && item.kind !== "error") mismatch(item);
    return;
  }
  if (v.kind !== KIND_OF[as.type]) {
    const hint =
      as.type === "std.ByteSize" && v.kind === "int"
        ? `sizes need a unit, e.g. \`${formatBytes(v.value * 2 ** 20)}\` for ${v.value} MiB`
        : as.type === "std.ByteSize" && v.kind === "string"
          ? "write the size without quotes, e.g. `8GiB`"
          : as.type === "i64" && v.kind === "string" && /^\d+$/.test(v.value)
            ? `write the number without quotes: \`${v.value}\``
            : as.type === "bool" && v.kind === "string" && (v.value === "true" || v.value === "false")
              ? `write \`${v.value}\` without quotes`
              : undefined;
    return void mismatch(v, hint);
  }
  if (v.kind === "string" && as.oneOf && !as.oneOf.includes(v.value)) {
    out.push(
      error("config.invalid_value", `\`${as.name}\` must be one of ${as.oneOf.map((o) => `"${o}"`).join(", ")}, not "${v.value}"`, v.span, {
        name: v.value,
        hint: didYouMean(v.value, as.oneOf) ?? `allowed: ${as.oneOf.join(", ")}`,
      }),
    );
  }
  if (v.kind === "int" && as.range && (v.value < as.range[0] || v.value > as.range[1])) {
    out.push(error("config.out_of_range", `\`${as.name}\` must be between ${as.range[0]} and ${as.range[1]}, not ${v.value}`, v.span, { name: as.name }));
  }
  if (v.kind === "bytes" && v.value <= 0) {
    out.push(error("config.out_of_range", `\`${as.name}\` must be a positive size`, v.span, { name: as.name }));
  }
}

function describe(v: Value): string {
  switch (v.kind) {
    case "string":
      return `the string "${v.value.length > 30 ? `${v.value.slice(0, 30)}…` : v.value}"`;
    case "int":
      return `the integer ${v.value}`;
    case "bytes":
      return `the size ${formatBytes(v.value)}`;
    case "bool":
      return `\`${v.value}\``;
    case "float":
      return `the number ${v.value}`;
    default:
      return `a ${v.kind}`;
  }
}
