/**
 * `OcrEngine` backed by the `tesseract` command (Debian package `tesseract-ocr`).
 *
 * Why the CLI and not tesseract.js: tesseract.js 7 runs under `bun run`, but in a
 * `bun build --compile` binary its worker script, WASM core and traineddata are resolved
 * from node_modules on disk at run time, so the single binary would not be
 * self-contained; the native CLI is also several times faster. The engine is behind
 * `OcrEngine`, so an in-process engine can replace it without touching callers.
 *
 * Contract: the picture goes to `tesseract stdin stdout -l eng --psm 3 tsv` as PNG on
 * stdin; words come from the TSV (level 5 rows), text is rebuilt line by line with a blank
 * line between blocks. A missing binary is `vision.ocr_unavailable` naming the package; a
 * crash, non-zero exit or timeout (`OCR_TIMEOUT_MS`) is `vision.ocr_failed`. Never throws.
 * Leaves out: languages other than English (the `language` option passes through).
 */
import { spawn } from "node:child_process";
import type { VisionResult } from "./errors.ts";
import { fail, ok } from "./errors.ts";
import type { GrayImage } from "./image.ts";
import { grayToRgb } from "./image.ts";
import type { OcrEngine, OcrResult, OcrWord } from "./ocr.ts";
import { encodePng } from "./png_encode.ts";

/** Longest a single recognition may take before the process is killed. */
export const OCR_TIMEOUT_MS = 60_000;
/** Page segmentation mode 3: fully automatic layout analysis. */
export const TESSERACT_PSM = 3;
/** Debian package that provides the binary, named in errors. */
export const TESSERACT_PACKAGE = "tesseract-ocr";

/** Options of the CLI engine. */
export interface TesseractCliOptions {
  /** Program to run (default "tesseract", looked up on PATH). */
  readonly binary?: string;
  /** Tesseract language code (default "eng"). */
  readonly language?: string;
  readonly timeoutMs?: number;
}

/** Parses `tesseract … tsv` output into words and text. */
export function parseTesseractTsv(tsv: string): OcrResult {
  const words: OcrWord[] = [];
  const lines: string[] = [];
  let lineKey = "";
  let blockKey = "";
  let current: string[] = [];
  const flush = (): void => {
    if (current.length > 0) lines.push(current.join(" "));
    current = [];
  };
  for (const row of tsv.split("\n").slice(1)) {
    const f = row.split("\t");
    if (f.length < 12 || f[0] !== "5") continue;
    const text = (f.slice(11).join("\t") ?? "").trim();
    if (text === "") continue;
    const block = `${f[1]}/${f[2]}`;
    const line = `${block}/${f[3]}/${f[4]}`;
    if (line !== lineKey) {
      flush();
      if (block !== blockKey && lines.length > 0) lines.push("");
      lineKey = line;
      blockKey = block;
    }
    current.push(text);
    words.push({ text, confidence: Number(f[10]), box: { x: Number(f[6]), y: Number(f[7]), w: Number(f[8]), h: Number(f[9]) } });
  }
  flush();
  return { text: lines.join("\n"), words };
}

/** Tesseract through its command-line program. */
export class TesseractCli implements OcrEngine {
  readonly name = "tesseract";
  readonly #binary: string;
  readonly #language: string;
  readonly #timeoutMs: number;

  constructor(opts: TesseractCliOptions = {}) {
    this.#binary = opts.binary ?? "tesseract";
    this.#language = opts.language ?? "eng";
    this.#timeoutMs = opts.timeoutMs ?? OCR_TIMEOUT_MS;
  }

  recognize(img: GrayImage): Promise<VisionResult<OcrResult>> {
    const png = encodePng(grayToRgb(img));
    const args = ["stdin", "stdout", "-l", this.#language, "--psm", String(TESSERACT_PSM), "tsv"];
    return new Promise((resolve) => {
      const failed = (message: string): void =>
        resolve(
          fail({
            code: "vision.ocr_failed",
            source: this.#binary,
            engine: this.name,
            message,
            hint: `check that '${this.#binary} --list-langs' lists '${this.#language}'`,
          }),
        );
      let child;
      try {
        child = spawn(this.#binary, args, { stdio: ["pipe", "pipe", "pipe"] });
      } catch (e) {
        return failed(`Cannot start ${this.#binary}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let settled = false;
      const timer = setTimeout(() => {
        if (!settled) child.kill("SIGKILL");
      }, this.#timeoutMs);
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => err.push(d));
      child.stdin.on("error", () => {}); // EPIPE when the program dies early; reported via 'close'
      child.on("error", (e: NodeJS.ErrnoException) => {
        settled = true;
        clearTimeout(timer);
        if (e.code === "ENOENT") {
          resolve(
            fail({
              code: "vision.ocr_unavailable",
              source: this.#binary,
              engine: this.name,
              message: `Cannot run OCR: '${this.#binary}' is not installed`,
              hint: `install the ${TESSERACT_PACKAGE} package (Debian/Ubuntu: apt-get install ${TESSERACT_PACKAGE})`,
            }),
          );
        } else failed(`Cannot run ${this.#binary}: ${e.message}`);
      });
      child.on("close", (code, signal) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (code !== 0) {
          const why = signal !== null ? `killed by ${signal}${signal === "SIGKILL" ? ` after ${this.#timeoutMs} ms` : ""}` : `exit code ${code}`;
          return failed(`OCR failed (${why}): ${Buffer.concat(err).toString("utf8").trim().split("\n").slice(-3).join(" / ")}`);
        }
        resolve(ok(parseTesseractTsv(Buffer.concat(out).toString("utf8"))));
      });
      child.stdin.end(png);
    });
  }
}
