import { describe, expect, test } from "bun:test";
import { CodedError } from "../errors/mod.ts";
import { error } from "../wcl/diagnostic.ts";
import { ECHO_MAX_CHARS, LINE_WINDOW_CHARS } from "../wcl/mod.ts";
import { errorJson, renderDiagnostic, renderProblem, reportError } from "./render.ts";
import { makeStyle } from "./style.ts";

const plain = makeStyle(false);
const src = 'lab "x" {\n  vm "a" { cpu = 2 }\n}\n';
const d = error(
  "config.unknown_attribute",
  "unknown attribute `cpu` in `vm`",
  { file: "/w/lab/vmlab.wcl", start: 21, end: 24 },
  { name: "cpu", hint: "did you mean `cpus`?" },
);
const sources = new Map([["/w/lab/vmlab.wcl", src]]);

describe("renderDiagnostic()", () => {
  test("prints code, location, the source line, a caret under the span and the hint", () => {
    expect(renderDiagnostic(d, sources, { style: plain, cwd: "/w" })).toBe(
      "error[config.unknown_attribute]: unknown attribute `cpu` in `vm`\n" +
        " --> lab/vmlab.wcl:2:12\n" +
        "  |\n" +
        '2 |   vm "a" { cpu = 2 }\n' +
        "  |            ^^^\n" +
        "hint: did you mean `cpus`?\n",
    );
  });

  test("a span over several lines is underlined to the end of its first line", () => {
    const multi = error("config.dependency_cycle", "x", { file: "/w/lab/vmlab.wcl", start: 12, end: 40 });
    expect(renderDiagnostic(multi, sources, { style: plain })).toContain('2 |   vm "a" { cpu = 2 }\n  |   ^^^^^^^^^^^^^^^^^^\n');
  });

  test("colours only when the style does", () => {
    expect(renderDiagnostic(d, sources, { style: makeStyle(true) })).toContain("\x1b[31merror[config.unknown_attribute]");
    expect(renderDiagnostic(d, sources, { style: plain })).not.toContain("\x1b[");
  });

  test("a source that is not at hand still names the file", () => {
    expect(renderDiagnostic(d, new Map(), { style: plain })).toStartWith(
      "error[config.unknown_attribute]: unknown attribute `cpu` in `vm`\n --> /w/lab/vmlab.wcl\nhint: did you mean `cpus`?\n",
    );
  });
});

describe("renderProblem()", () => {
  test("a coded error without a location is its code, message and hint", () => {
    const e = new CodedError("template.in_use", "cannot remove x86_64/a@1: 1 linked clone(s) are backed by it: /l/a.qcow2", {
      hint: "destroy those labs first",
    });
    expect(renderProblem(e, { style: plain })).toBe(
      "error[template.in_use]: cannot remove x86_64/a@1: 1 linked clone(s) are backed by it: /l/a.qcow2\nhint: destroy those labs first\n",
    );
  });

  test("notes are listed under the message, before the hint", () => {
    expect(
      renderProblem(
        { code: "template.in_use", message: "cannot remove x86_64/a@1", notes: ["/l/a.qcow2", "/l/b.qcow2"], hint: "destroy those labs first" },
        { style: plain },
      ),
    ).toBe("error[template.in_use]: cannot remove x86_64/a@1\n  /l/a.qcow2\n  /l/b.qcow2\nhint: destroy those labs first\n");
  });

  test("a location with a readable source shows the line and a caret at the column", () => {
    const e = new CodedError("config.invalid_cidr", "subnet 10.0.0.0/33 is not a CIDR", {
      location: { file: "/w/vmlab.wcl", line: 2, col: 3 },
      hint: "write a prefix length from 0 to 32",
    });
    expect(renderProblem(e, { style: plain, cwd: "/w", source: (_f, n) => ["a", "x = 1"][n - 1] })).toBe(
      "error[config.invalid_cidr]: subnet 10.0.0.0/33 is not a CIDR\n --> vmlab.wcl:2:3\n  |\n2 | x = 1\n  |   ^\nhint: write a prefix length from 0 to 32\n",
    );
  });
});

describe("reportError()", () => {
  test("--json writes one {error} line with code, message, subject and hint", () => {
    let out = "";
    reportError(new CodedError("lab.not_up", "lab web is not up", { subject: "web", hint: "start it with `vmlab up`" }), {
      json: true,
      sink: { err: (s) => void (out += s) },
    });
    expect(JSON.parse(out)).toEqual({ error: { code: "lab.not_up", message: "lab web is not up", subject: "web", hint: "start it with `vmlab up`" } });
    expect(out.endsWith("}\n")).toBe(true);
  });

  test("anything thrown is rendered as a coded error", () => {
    let out = "";
    reportError(new Error("boom"), { sink: { err: (s) => void (out += s), style: plain, env: {} } });
    expect(out).toBe("error[internal]: boom\n");
    expect(errorJson("x").error.code).toBe("internal");
  });
});

describe("renderDiagnostic() of huge user text", () => {
  // A 5 MB one-line string once printed 26 MB of errors: every echo is bounded.
  const big = "x".repeat(5_000_000);
  const text = `lab "x" { vm "a" { template = "${big}" cpus = "two" } }\n`;
  const at = text.indexOf("cpus");
  const far = error("config.type_mismatch", "expected an integer for `cpus`", { file: "/l.wcl", start: at, end: at + 4 });
  const echo = error(
    "config.unknown_template",
    `template "${big}" is not in the store`,
    { file: "/l.wcl", start: 30, end: 30 + big.length },
    { name: big, hint: `did you mean "${big}"?` },
  );
  const bigSrc = new Map([["/l.wcl", text]]);
  test("shows a window of the source line around the caret, with the caret under the span", () => {
    const out = renderDiagnostic(far, bigSrc, { style: plain });
    expect(out.length).toBeLessThan(ECHO_MAX_CHARS + 4 * LINE_WINDOW_CHARS);
    const lines = out.split("\n");
    const codeLine = lines[3] as string;
    const caretLine = lines[4] as string;
    expect(codeLine).toContain('cpus = "two"');
    expect(codeLine).toContain("…");
    expect(caretLine.indexOf("^")).toBe(codeLine.indexOf("cpus"));
  });
  test("clips the message and hint, saying how much was left out", () => {
    const out = renderDiagnostic(echo, bigSrc, { style: plain });
    expect(out.length).toBeLessThan(4 * ECHO_MAX_CHARS + 4 * LINE_WINDOW_CHARS);
    expect(out).toContain("more characters)");
  });
});
