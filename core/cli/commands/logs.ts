/**
 * `vmlab logs [lab/][vm] [-f] [-n N] [--serial] [--json]` — the JSON-line
 * logs under `$XDG_STATE_HOME/vmlab/labs/<lab>/`: the lab's events and
 * daemon log (default), one VM's QEMU/lifecycle log, or (`--serial`) its
 * serial console. Works whether or not the lab is running.
 *
 * Lines are shown as `time level message fields`; `--json` prints them as
 * stored. `-f` follows the file as it grows (and across truncation) until
 * interrupted.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { CodedError } from "../../errors/mod.ts";
import { labLogDir } from "../../daemon/paths.ts";
import { action, labOfFile, type TargetFlags } from "../client.ts";
import { stdoutStyle, type Style } from "../style.ts";

/** How often `-f` looks for new lines. */
export const FOLLOW_POLL_MS = 200;

function count(v: string): number {
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative number of lines");
  return n;
}

/** One stored JSON line as a human line; non-JSON text passes through. */
export function prettyLine(line: string, s: Style): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof rec !== "object" || rec === null) return line;
  const { ts, level, msg, ...rest } = rec;
  const lvl = String(level ?? "");
  const colour = lvl === "error" ? s.red : lvl === "warn" ? s.yellow : lvl === "debug" ? s.dim : (x: string) => x;
  const extra = Object.keys(rest).length ? ` ${s.dim(JSON.stringify(rest))}` : "";
  return `${s.dim(String(ts ?? ""))} ${colour(lvl.padEnd(5))} ${String(msg ?? "")}${extra}`;
}

/** Lab and VM names as they may appear in a log path: no separators, no `..`, no NUL. */
const LOG_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Refuse a lab or VM name that could not be a lab's or VM's (and would leave the log folder). */
export function logName(name: string, what: "lab" | "VM"): string {
  if (!LOG_NAME.test(name) || name.includes("..")) {
    throw new CodedError("request.bad_name", `${what} name ${JSON.stringify(name)} is not a valid ${what} name`, {
      subject: name,
      hint: "Names are letters, digits, `-`, `_` and `.`; the target is `vm`, `lab/vm` or `lab/`.",
    });
  }
  return name;
}

function readFrom(file: string, offset: number): { text: string; end: number } {
  const size = statSync(file).size;
  if (size <= offset) return { text: "", end: size };
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    return { text: buf.subarray(0, n).toString("utf8"), end: offset + n };
  } finally {
    closeSync(fd);
  }
}

export function register(program: Command): void {
  program
    .command("logs")
    .description("print a lab's event log, or one VM's log or serial console")
    .argument("[target]", "vm, lab/vm, or lab/ (default: the current directory's lab)")
    .option("-f, --follow", "keep printing lines as they are written")
    .option("-n, --lines <N>", "lines of history (default 100)", count)
    .option("--serial", "the VM's serial console instead of its log")
    .option("--json", "print the stored JSON lines as they are")
    .option("--file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .action(
      action(async (target: string | undefined, opts: TargetFlags & { follow?: true; lines?: number; serial?: true; json?: true }) => {
        let lab: string;
        let vm: string | undefined;
        if (target?.includes("/")) {
          const i = target.indexOf("/");
          lab = target.slice(0, i);
          vm = target.slice(i + 1) || undefined;
        } else {
          lab = labOfFile(opts).name;
          vm = target;
        }
        logName(lab, "lab");
        if (vm !== undefined) logName(vm, "VM");
        if (opts.serial && !vm) throw new CodedError("request.invalid", "--serial needs a VM", { hint: "e.g. `vmlab logs web --serial`" });
        const dir = labLogDir(lab);
        const file = join(dir, vm ? (opts.serial ? `${vm}.serial.log` : `${vm}.log`) : "lab.log");
        // Belt and braces: whatever the names, the file must be inside the lab's log folder.
        if (dirname(resolve(file)) !== resolve(dir))
          throw new CodedError("request.bad_name", `log target ${JSON.stringify(target)} is outside the lab's log folder`, { subject: target ?? lab });
        if (!existsSync(file)) {
          throw new CodedError(vm ? "vm.not_found" : "lab.not_found", `No ${vm ? `log for VM ${vm} of lab ${lab}` : `log for lab ${lab}`} (${file})`, {
            subject: vm ?? lab,
            hint: "logs appear once the lab has been brought up with `vmlab up`",
          });
        }
        const s = stdoutStyle();
        const raw = opts.json === true || opts.serial === true;
        const print = (lines: string[]) => {
          if (lines.length) process.stdout.write(`${lines.map((l) => (raw ? l : prettyLine(l, s))).join("\n")}\n`);
        };
        const first = readFrom(file, 0);
        const n = opts.lines ?? 100;
        const all = first.text.split("\n");
        const pending = all.pop() ?? "";
        print(n === 0 ? [] : all.slice(-n));
        if (!opts.follow) {
          if (pending) print([pending]);
          return 0;
        }
        let offset = first.end - Buffer.byteLength(pending);
        let partial = "";
        for (;;) {
          await Bun.sleep(FOLLOW_POLL_MS);
          let size: number;
          try {
            size = statSync(file).size;
          } catch {
            continue;
          }
          if (size < offset) offset = 0; // truncated or replaced
          const r = readFrom(file, offset);
          offset = r.end;
          const lines = (partial + r.text).split("\n");
          partial = lines.pop() ?? "";
          print(lines);
        }
      }),
    );
}
