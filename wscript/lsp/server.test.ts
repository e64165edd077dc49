import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { RpcMessage } from "./jsonrpc.ts";
import { ErrorCodes, LanguageServer } from "./server.ts";

const dir = mkdtempSync(join(tmpdir(), "wscript-lsp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "wscript.toml"), 'interfaces = ["api.wscripti"]\n');
writeFileSync(join(dir, "api.wscripti"), "module term {\n    fn print_at(x: int, y: int, s: string)\n    const MAX_PANES: int = 16\n}\n");
writeFileSync(join(dir, "helper.wscript"), "fn twice(x: int) -> int { x * 2 }\n");
const uri = pathToFileURL(join(dir, "main.wscript")).href;
const src = 'use term\nuse helper\nfn main() -> int {\n    let n = helper::twice(2)\n    term::print_at(1, 2, "hi")\n    n\n}\n';

let id = 0;
function req(s: LanguageServer, method: string, params: unknown): RpcMessage[] {
  return s.handle({ jsonrpc: "2.0", id: ++id, method, params }).send;
}
function note(s: LanguageServer, method: string, params: unknown): RpcMessage[] {
  return s.handle({ jsonrpc: "2.0", method, params }).send;
}
function started(): LanguageServer {
  const s = new LanguageServer();
  req(s, "initialize", { capabilities: {} });
  note(s, "initialized", {});
  note(s, "textDocument/didOpen", { textDocument: { uri, languageId: "wscript", version: 1, text: src } });
  return s;
}
const pos = (line: number, character: number) => ({ textDocument: { uri }, position: { line, character } });

describe("LanguageServer", () => {
  test("initialize announces hover, definition, completion and full text sync", () => {
    const r = req(new LanguageServer(), "initialize", { capabilities: {} })[0];
    expect(r?.result).toMatchObject({
      capabilities: { hoverProvider: true, definitionProvider: true, textDocumentSync: { openClose: true, change: 1 }, completionProvider: {} },
    });
  });
  test("requests before initialize are refused", () => {
    expect(req(new LanguageServer(), "textDocument/hover", pos(0, 0))[0]?.error?.code).toBe(ErrorCodes.ServerNotInitialized);
  });
  test("didOpen publishes no diagnostics for a good file; didChange publishes the new error", () => {
    const s = new LanguageServer();
    req(s, "initialize", {});
    const open = note(s, "textDocument/didOpen", { textDocument: { uri, languageId: "wscript", version: 1, text: src } });
    expect(open).toEqual([{ jsonrpc: "2.0", method: "textDocument/publishDiagnostics", params: { uri, version: 1, diagnostics: [] } }]);
    const ch = note(s, "textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: src.replace("print_at(1, 2", 'print_at("x", 2') }],
    });
    const d = (ch[0]?.params as { diagnostics: { range: unknown; code: string; message: string }[] }).diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: "E0201", range: { start: { line: 4, character: 19 }, end: { line: 4, character: 22 } } });
  });
  test("ranged changes are applied to the document", () => {
    const s = started();
    const ch = note(s, "textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 5, character: 4 }, end: { line: 5, character: 5 } }, text: "true" }],
    });
    expect((ch[0]?.params as { diagnostics: { code: string }[] }).diagnostics.map((x) => x.code)).toEqual(["E0201"]);
  });
  test("hover shows a local's type and a host function's signature", () => {
    const s = started();
    expect(req(s, "textDocument/hover", pos(5, 4))[0]?.result).toMatchObject({ contents: { kind: "markdown", value: "```wscript\nn: int\n```" } });
    expect((req(s, "textDocument/hover", pos(4, 11))[0]?.result as { contents: { value: string } }).contents.value).toContain(
      "fn term::print_at(x: int, y: int, s: string)",
    );
  });
  test("definition jumps to a local, into an imported file, and to the .wscripti declaration", () => {
    const s = started();
    expect(req(s, "textDocument/definition", pos(5, 4))[0]?.result).toEqual({
      uri,
      range: { start: { line: 3, character: 8 }, end: { line: 3, character: 9 } },
    });
    expect(req(s, "textDocument/definition", pos(3, 22))[0]?.result).toEqual({
      uri: pathToFileURL(join(dir, "helper.wscript")).href,
      range: { start: { line: 0, character: 3 }, end: { line: 0, character: 8 } },
    });
    expect(req(s, "textDocument/definition", pos(4, 11))[0]?.result).toEqual({
      uri: pathToFileURL(join(dir, "api.wscripti")).href,
      range: { start: { line: 1, character: 7 }, end: { line: 1, character: 15 } },
    });
  });
  test("completion offers module members after `::` and locals by prefix", () => {
    const s = started();
    note(s, "textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: src.replace("    n\n}", "    term::\n    n\n}") }] });
    const items = (req(s, "textDocument/completion", pos(5, 10))[0]?.result as { items: { label: string; kind: number }[] }).items;
    expect(items.map((i) => i.label)).toEqual(["MAX_PANES", "print_at"]);
    expect(items.map((i) => i.kind)).toEqual([21, 3]);
  });
  test("unknown requests get MethodNotFound; shutdown then exit ends with 0, exit alone with 1", () => {
    const s = started();
    expect(req(s, "workspace/symbol", {})[0]?.error?.code).toBe(ErrorCodes.MethodNotFound);
    expect(req(s, "shutdown", null)[0]).toMatchObject({ result: null });
    expect(s.handle({ jsonrpc: "2.0", method: "exit" }).exit).toBe(0);
    expect(started().handle({ jsonrpc: "2.0", method: "exit" }).exit).toBe(1);
  });
});
