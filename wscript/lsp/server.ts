/**
 * The wscript language server core (PRD §9, LSP 3.17): a pure message
 * handler — `handle(message) → messages to send` — with no I/O of its own;
 * stdio.ts drives it. Four features, the PRD's ceiling: diagnostics
 * (`textDocument/publishDiagnostics` after every open/change), hover (the
 * type of the name under the cursor, or a function's signature),
 * go-to-definition (script items and locals, across imported files; host
 * items jump to their `.wscripti` declaration) and completion (analysis.ts,
 * complete.ts).
 *
 * Lifecycle: requests before `initialize` get ServerNotInitialized (-32002);
 * after `shutdown` only `exit` is honoured (InvalidRequest otherwise); `exit`
 * ends with code 0 after a shutdown and 1 without one. Text sync is full
 * (kind 1), but ranged changes are applied too. Positions are UTF-16 based,
 * as are wscript spans, so no re-encoding is needed. Unknown requests get
 * MethodNotFound (-32601); unknown notifications are ignored.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Analysis } from "./analysis.ts";
import { complete, type CompletionKind } from "./complete.ts";
import type { Diagnostic } from "../syntax/diagnostic.ts";
import { SourceFile, type Span } from "../syntax/span.ts";
import type { Id, RpcMessage } from "./jsonrpc.ts";
import { Projects } from "./project.ts";

type Position = { line: number; character: number };
type Range = { start: Position; end: Position };
type Doc = { uri: string; path: string; version: number; text: string; file: SourceFile; analysis: Analysis | undefined };

/** JSON-RPC / LSP error codes used here. */
export const ErrorCodes = { ParseError: -32700, InvalidRequest: -32600, MethodNotFound: -32601, InvalidParams: -32602, ServerNotInitialized: -32002 } as const;

/** LSP CompletionItemKind numbers. */
const COMPLETION_KIND: Record<CompletionKind, number> = {
  method: 2,
  function: 3,
  field: 5,
  variable: 6,
  module: 9,
  unit: 11,
  enum: 13,
  keyword: 14,
  variant: 20,
  constant: 21,
  struct: 22,
  trait: 8,
};

export type HandleResult = { send: RpcMessage[]; exit: number | undefined };

export class LanguageServer {
  private docs = new Map<string, Doc>();
  private state: "new" | "running" | "shutdown" = "new";
  private readonly projects = new Projects((path) => this.byPath(path)?.text);
  private readonly fileCache = new Map<string, SourceFile>();

  /** Handle one incoming message. */
  handle(msg: RpcMessage): HandleResult {
    const send: RpcMessage[] = [];
    const isRequest = msg.id !== undefined && typeof msg.method === "string";
    const reply = (result: unknown) => send.push({ jsonrpc: "2.0", id: msg.id as Id, result });
    const fail = (code: number, message: string) => send.push({ jsonrpc: "2.0", id: (msg.id ?? null) as Id, error: { code, message } });
    const method = msg.method;
    if (typeof method !== "string") return { send, exit: undefined }; // a response to us, or junk
    if (method === "exit") return { send, exit: this.state === "shutdown" ? 0 : 1 };
    if (this.state === "shutdown") {
      if (isRequest) fail(ErrorCodes.InvalidRequest, "Cannot handle requests after shutdown");
      return { send, exit: undefined };
    }
    if (this.state === "new" && method !== "initialize") {
      if (isRequest) fail(ErrorCodes.ServerNotInitialized, "Cannot handle requests before initialize");
      return { send, exit: undefined };
    }
    const p = (msg.params ?? {}) as Record<string, unknown>;
    try {
      switch (method) {
        case "initialize":
          this.state = "running";
          reply({
            capabilities: {
              positionEncoding: "utf-16",
              textDocumentSync: { openClose: true, change: 1 },
              hoverProvider: true,
              definitionProvider: true,
              completionProvider: { triggerCharacters: [".", ":"] },
            },
            serverInfo: { name: "wscript-lsp" },
          });
          break;
        case "initialized":
          break;
        case "shutdown":
          this.state = "shutdown";
          reply(null);
          break;
        case "textDocument/didOpen": {
          const td = p.textDocument as { uri: string; version?: number; text: string };
          this.setDoc(td.uri, td.version ?? 0, td.text);
          send.push(...this.publishAll());
          break;
        }
        case "textDocument/didChange": {
          const td = p.textDocument as { uri: string; version?: number };
          const doc = this.docs.get(td.uri);
          if (!doc) break;
          let text = doc.text;
          for (const ch of (p.contentChanges as { range?: Range; text: string }[] | undefined) ?? []) {
            if (!ch.range) {
              text = ch.text;
              continue;
            }
            const f = new SourceFile(doc.path, text);
            text = text.slice(0, offsetOf(f, ch.range.start)) + ch.text + text.slice(offsetOf(f, ch.range.end));
          }
          this.setDoc(td.uri, td.version ?? doc.version + 1, text);
          send.push(...this.publishAll());
          break;
        }
        case "textDocument/didClose": {
          const uri = (p.textDocument as { uri: string }).uri;
          this.docs.delete(uri);
          send.push({ jsonrpc: "2.0", method: "textDocument/publishDiagnostics", params: { uri, diagnostics: [] } });
          break;
        }
        case "textDocument/hover": {
          const at = this.at(p);
          const h = at && at.doc.analysis?.hoverAt(at.doc.path, at.offset);
          reply(h && at ? { contents: { kind: "markdown", value: `\`\`\`wscript\n${h.text}\n\`\`\`` }, range: this.range(h.span) } : null);
          break;
        }
        case "textDocument/definition": {
          const at = this.at(p);
          const def = at && at.doc.analysis?.definitionAt(at.doc.path, at.offset);
          const range = def && this.range(def);
          reply(def && range ? { uri: pathToFileURL(def.file).href, range } : null);
          break;
        }
        case "textDocument/completion": {
          const at = this.at(p);
          if (!at) {
            reply([]);
            break;
          }
          const session = this.projects.forFile(at.doc.path).session;
          const items = complete(
            (t) => (t === at.doc.text && at.doc.analysis ? at.doc.analysis : session.analyze(at.doc.path, t)),
            at.doc.path,
            at.doc.text,
            at.offset,
          );
          reply({ isIncomplete: false, items: items.map((i) => ({ label: i.label, kind: COMPLETION_KIND[i.kind], detail: i.detail })) });
          break;
        }
        default:
          if (isRequest) fail(ErrorCodes.MethodNotFound, `Cannot handle ${method}: not supported`);
      }
    } catch (e) {
      if (isRequest) fail(ErrorCodes.InvalidParams, `Cannot handle ${method}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { send, exit: undefined };
  }

  /** The reply to a body that is not JSON. */
  static parseError(): RpcMessage {
    return { jsonrpc: "2.0", id: null, error: { code: ErrorCodes.ParseError, message: "Cannot parse the message: not a JSON object" } };
  }

  private byPath(path: string): Doc | undefined {
    for (const d of this.docs.values()) if (d.path === path) return d;
    return undefined;
  }

  private setDoc(uri: string, version: number, text: string): void {
    const path = uri.startsWith("file:") ? fileURLToPath(uri) : uri;
    this.docs.set(uri, { uri, path, version, text, file: new SourceFile(path, text), analysis: undefined });
  }

  /** Re-analyse every open document (an edit may break its importers) and publish their diagnostics. */
  private publishAll(): RpcMessage[] {
    const out: RpcMessage[] = [];
    for (const doc of this.docs.values()) {
      const project = this.projects.forFile(doc.path);
      doc.analysis = project.session.analyze(doc.path, doc.text);
      const mine = doc.analysis.diagnostics.filter((d) => d.span.file === doc.path);
      const elsewhere = [...project.diagnostics, ...doc.analysis.diagnostics.filter((d) => d.span.file !== doc.path && !doc.analysis?.files.has(d.span.file))];
      const diagnostics = [
        ...mine.map((d) => this.lspDiagnostic(d, this.range(d.span) ?? zero())),
        ...elsewhere.map((d) => this.lspDiagnostic({ ...d, message: `${d.span.file}: ${d.message}` }, zero())),
      ];
      const imported = doc.analysis.diagnostics.filter((d) => d.span.file !== doc.path && doc.analysis?.files.has(d.span.file));
      if (imported.length)
        diagnostics.push(
          this.lspDiagnostic({ ...(imported[0] as Diagnostic), message: `errors in imported file ${imported[0]?.span.file}: ${imported[0]?.message}` }, zero()),
        );
      out.push({ jsonrpc: "2.0", method: "textDocument/publishDiagnostics", params: { uri: doc.uri, version: doc.version, diagnostics } });
    }
    return out;
  }

  private lspDiagnostic(d: Diagnostic, range: Range): unknown {
    const extra = [...d.notes.map((n) => `note: ${n}`), ...(d.help ? [`help: ${d.help}`] : [])];
    return { range, severity: 1, code: d.code, source: "wscript", message: [d.message, ...extra].join("\n") };
  }

  /** The document and offset a position request names. */
  private at(p: Record<string, unknown>): { doc: Doc; offset: number } | undefined {
    const doc = this.docs.get((p.textDocument as { uri: string } | undefined)?.uri ?? "");
    const pos = p.position as Position | undefined;
    if (!doc || !pos) return undefined;
    if (!doc.analysis) doc.analysis = this.projects.forFile(doc.path).session.analyze(doc.path, doc.text);
    return { doc, offset: offsetOf(doc.file, pos) };
  }

  /** The LSP range of a span in any file (open document, analysed import, or a file on disk). */
  private range(s: Span): Range | undefined {
    const f = this.byPath(s.file)?.file ?? this.sourceOf(s.file);
    if (!f) return undefined;
    return { start: positionOf(f, s.start), end: positionOf(f, s.end) };
  }

  private sourceOf(path: string): SourceFile | undefined {
    for (const d of this.docs.values()) {
      const f = d.analysis?.files.get(path);
      if (f) return f;
    }
    const hit = this.fileCache.get(path);
    if (hit) return hit;
    try {
      const f = new SourceFile(path, readFileSync(path, "utf8"));
      this.fileCache.set(path, f);
      return f;
    } catch {
      return undefined;
    }
  }
}

const zero = (): Range => ({ start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });

function positionOf(f: SourceFile, offset: number): Position {
  const p = f.position(Math.min(offset, f.text.length));
  return { line: p.line - 1, character: p.col - 1 };
}

/** A position → offset; positions past a line's end clamp to it (LSP 3.17 "Position"). */
export function offsetOf(f: SourceFile, pos: Position): number {
  let line = 0;
  let i = 0;
  while (line < pos.line && i < f.text.length) {
    if (f.text.charCodeAt(i) === 10) line++;
    i++;
  }
  if (line < pos.line) return f.text.length;
  let end = f.text.indexOf("\n", i);
  if (end < 0) end = f.text.length;
  return Math.min(i + pos.character, end);
}
