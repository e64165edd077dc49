/**
 * `vmlab capture [lab/]segment [-w file] [--vm name] [--filter expr] [--duration secs]`
 * — a packet capture of a running segment, as pcapng (issue 14).
 *
 * The lab daemon taps the segment's switch and streams pcapng over its control socket
 * (`GET /v1/segments/:segment/capture`); this verb copies the bytes to stdout or to a
 * file, chunk by chunk as they arrive, so `vmlab capture lan | wireshark -k -i -` shows
 * frames live. With `-w` the file appears atomically when the capture ends (temp +
 * rename). The capture ends on Ctrl-C / SIGTERM, after `--duration`, when the reader of
 * stdout goes away, or when the lab's network stops — always with a complete file.
 * Without `-w`, pcapng is not written to a terminal.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { CodedError } from "../../errors/mod.ts";
import { replyError } from "../../daemon/transport.ts";
import { action, labOfFile, requireUp, type LabRef } from "../client.ts";

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number of seconds");
  return n;
}

/** Where the bytes go: a temp file renamed at the end, or stdout (waiting for it to drain). */
interface Sink {
  write(chunk: Uint8Array): Promise<boolean>;
  close(): void;
}

function fileSink(path: string): Sink {
  const tmp = `${path}.part-${process.pid}`;
  let fd: number;
  try {
    fd = openSync(tmp, "w", 0o600);
  } catch (e) {
    throw new CodedError("capture.write_failed", `cannot write ${path}: ${(e as Error).message}`, { subject: path, hint: "pick a writable path for -w" });
  }
  return {
    write(chunk) {
      let at = 0;
      while (at < chunk.byteLength) at += writeSync(fd, chunk, at);
      return Promise.resolve(true);
    },
    close() {
      closeSync(fd);
      // A capture stopped early is still a valid file: keep what was captured.
      try {
        renameSync(tmp, path);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw new CodedError("capture.write_failed", `cannot write ${path}: ${(e as Error).message}`, { subject: path, hint: "pick a writable path for -w" });
      }
    },
  };
}

function stdoutSink(): Sink {
  let gone = false;
  process.stdout.on("error", () => (gone = true)); // EPIPE: the reader (wireshark, head) went away
  return {
    async write(chunk) {
      if (gone) return false;
      if (!process.stdout.write(chunk)) {
        await new Promise<void>((r) => {
          const done = () => {
            process.stdout.off("drain", done);
            process.stdout.off("error", done);
            process.stdout.off("close", done);
            r();
          };
          process.stdout.on("drain", done);
          process.stdout.on("error", done);
          process.stdout.on("close", done);
        });
      }
      return !gone;
    },
    close() {},
  };
}

export function register(program: Command): void {
  program
    .command("capture")
    .description("capture a running segment's frames as pcapng (to a file, or stdout for `| wireshark -k -i -`)")
    .argument("<segment>", "segment, or lab/segment")
    .option("-w, --write <file>", "write pcapng to this file (default: stdout)")
    .option("--vm <name>", "only this VM's NICs on the segment, both directions")
    .option("--filter <expr>", "tcpdump-style filter: arp ip icmp tcp udp, [src|dst] host <ip>, [src|dst] port <n>, ether host <mac>, and/or/not")
    .option("--duration <seconds>", "stop after this long (default: until Ctrl-C)", seconds)
    .option("-f, --file <path>", "lab file (default: $VMLAB_FILE, else the nearest vmlab.wcl walking up)")
    .action(
      action(async (target: string, opts) => {
        const slash = target.indexOf("/");
        const lab: LabRef = slash > 0 ? { name: target.slice(0, slash), file: undefined } : labOfFile(opts);
        const segment = slash > 0 ? target.slice(slash + 1) : target;
        if (!opts.write && process.stdout.isTTY) {
          throw new CodedError("capture.terminal", "will not write pcapng to a terminal", {
            subject: segment,
            hint: `write it to a file with \`-w capture.pcapng\`, or pipe it: \`vmlab capture ${target} | wireshark -k -i -\``,
          });
        }
        const socket = await requireUp(lab);
        const q = new URLSearchParams();
        if (opts.vm) q.set("vm", opts.vm);
        if (opts.filter) q.set("filter", opts.filter);
        const path = `/v1/segments/${encodeURIComponent(segment)}/capture${q.size ? `?${q}` : ""}`;
        const abort = new AbortController();
        let res: Response;
        try {
          res = await fetch(`http://vmlab${path}`, { unix: socket, signal: abort.signal } as RequestInit);
        } catch (e) {
          throw new CodedError("daemon.unreachable", `cannot reach the lab daemon of ${lab.name}: ${(e as Error).message}`, {
            subject: socket,
            hint: "run `vmlab status`",
          });
        }
        if (!res.ok) throw await replyError(res, `capture of ${segment}`);
        const sink = opts.write ? fileSink(resolve(opts.write)) : stdoutSink();
        const stop = () => abort.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        const timer = opts.duration ? setTimeout(stop, opts.duration * 1000) : undefined;
        let bytes = 0;
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            bytes += chunk.byteLength;
            if (!(await sink.write(chunk))) break;
          }
        } catch (e) {
          if (!abort.signal.aborted)
            throw new CodedError("capture.interrupted", `the capture of ${segment} broke off: ${(e as Error).message}`, {
              subject: segment,
              hint: "`vmlab logs` has the lab daemon's side",
            });
        } finally {
          clearTimeout(timer);
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          abort.abort();
        }
        sink.close();
        process.stderr.write(`captured ${bytes} bytes of pcapng from ${lab.name}/${segment}${opts.write ? ` to ${opts.write}` : ""}\n`);
        return 0;
      }),
    );
}
