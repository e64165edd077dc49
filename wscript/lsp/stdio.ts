/**
 * The language server's driver: LSP base-protocol frames on a readable
 * stream in, frames on a writable out (stdin/stdout for `vmlab wscript
 * lsp`). All protocol logic is in server.ts; this file only moves bytes.
 * Resolves with the exit code once `exit` arrives (0 after `shutdown`, 1
 * otherwise) or when the input ends (1: the client went away without
 * shutting down).
 */
import { encodeFrame, FrameDecoder } from "./jsonrpc.ts";
import { LanguageServer } from "./server.ts";

export type ByteSink = { write(b: Uint8Array): unknown };

export async function serveLsp(input: AsyncIterable<Uint8Array | string>, output: ByteSink): Promise<number> {
  const server = new LanguageServer();
  const dec = new FrameDecoder();
  for await (const chunk of input) {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    for (const d of dec.push(bytes)) {
      if ("invalid" in d) {
        output.write(encodeFrame(LanguageServer.parseError()));
        continue;
      }
      const r = server.handle(d.message);
      for (const m of r.send) output.write(encodeFrame(m));
      if (r.exit !== undefined) return r.exit;
    }
  }
  return 1;
}
