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
import { join } from "node:path";
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
        if (opts.serial && !vm) throw new CodedError("request.invalid", "--serial needs a VM", { hint: "e.g. `vmlab logs web --serial`" });
        const dir = labLogDir(lab);
        const file = join(dir, vm ? (opts.serial ? `${vm}.serial.log` : `${vm}.log`) : "lab.log");
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
