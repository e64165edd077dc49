/**
 * `vmlab wscript lsp` end to end: the real CLI (main.ts as a subprocess)
 * spoken to over stdio with LSP base-protocol framing, as an editor would:
 * initialize → didOpen (diagnostics) → hover → definition → completion →
 * shutdown → exit. The project's wscript.toml lists a .wscripti, so host APIs
 * are known to the server.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { encodeFrame, FrameDecoder, type RpcMessage } from "../../wscript/lsp/mod.ts";

const MAIN = join(import.meta.dir, "..", "..", "main.ts");
const dir = mkdtempSync(join(tmpdir(), "wscript-lsp-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "wscript.toml"), 'interfaces = ["api.wscripti"]\n');
writeFileSync(join(dir, "api.wscripti"), "opaque Pane {\n    fn title(self) -> string\n}\nmodule term {\n    fn open(name: string) -> Pane\n}\n");
const uri = pathToFileURL(join(dir, "main.wscript")).href;

/** A client over the subprocess's pipes: send messages, await the one a predicate picks. */
function client() {
  const p = Bun.spawn([process.execPath, MAIN, "wscript", "lsp"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const seen: RpcMessage[] = [];
  const waiters: { pick: (m: RpcMessage) => boolean; resolve: (m: RpcMessage) => void }[] = [];
  const dec = new FrameDecoder();
  void (async () => {
    for await (const chunk of p.stdout) {
      for (const d of dec.push(chunk)) {
        if (!("message" in d)) continue;
        seen.push(d.message);
        for (const w of [...waiters])
          if (w.pick(d.message)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(d.message);
          }
      }
    }
  })();
  let id = 0;
  const send = (m: Omit<RpcMessage, "jsonrpc">) => {
    p.stdin.write(encodeFrame({ jsonrpc: "2.0", ...m }));
    p.stdin.flush();
  };
  const wait = (pick: (m: RpcMessage) => boolean) =>
    new Promise<RpcMessage>((resolve) => {
      const hit = seen.find(pick);
      if (hit) {
        seen.splice(seen.indexOf(hit), 1);
        resolve(hit);
      } else waiters.push({ pick, resolve });
    });
  return {
    proc: p,
    notify: (method: string, params: unknown) => send({ method, params }),
    request: (method: string, params: unknown) => {
      const n = ++id;
      send({ id: n, method, params });
      return wait((m) => m.id === n);
    },
    diagnostics: (version: number) => wait((m) => m.method === "textDocument/publishDiagnostics" && (m.params as { version?: number }).version === version),
  };
}

describe("vmlab wscript lsp", () => {
  test("an editor session: diagnostics, hover, definition, completion, orderly exit", async () => {
    const c = client();
    const init = await c.request("initialize", { processId: null, rootUri: pathToFileURL(dir).href, capabilities: {} });
    expect(init.result).toMatchObject({ capabilities: { hoverProvider: true, definitionProvider: true } });
    c.notify("initialized", {});

    const text = 'use term\nfn main() {\n    let p = term::open("a")\n    let t: int = p.title()\n}\n';
    c.notify("textDocument/didOpen", { textDocument: { uri, languageId: "wscript", version: 1, text } });
    const d1 = (await c.diagnostics(1)).params as { diagnostics: { code: string; range: { start: { line: number } } }[] };
    expect(d1.diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([["E0201", 3]]);

    const fixed = text.replace("let t: int", "let t");
    c.notify("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    expect(((await c.diagnostics(2)).params as { diagnostics: unknown[] }).diagnostics).toEqual([]);

    const hover = await c.request("textDocument/hover", { textDocument: { uri }, position: { line: 3, character: 8 } });
    expect((hover.result as { contents: { value: string } }).contents.value).toBe("```wscript\nlet t: string\n```");

    const def = await c.request("textDocument/definition", { textDocument: { uri }, position: { line: 2, character: 19 } });
    expect(def.result).toEqual({
      uri: pathToFileURL(join(dir, "api.wscripti")).href,
      range: { start: { line: 4, character: 7 }, end: { line: 4, character: 11 } },
    });

    c.notify("textDocument/didChange", { textDocument: { uri, version: 3 }, contentChanges: [{ text: fixed.replace("let t = p.title()", "p.") }] });
    await c.diagnostics(3);
    const comp = await c.request("textDocument/completion", { textDocument: { uri }, position: { line: 3, character: 6 } });
    expect((comp.result as { items: { label: string }[] }).items.map((i) => i.label)).toEqual(["title"]);

    expect((await c.request("shutdown", null)).result).toBeNull();
    c.notify("exit", null);
    expect(await c.proc.exited).toBe(0);
  });
});
