/**
 * The wscript language server (`vmlab wscript lsp`): JSON-RPC framing
 * (jsonrpc.ts), the protocol core (server.ts), project discovery from
 * `wscript.toml` (project.ts) and the stdio driver (stdio.ts).
 */
export { encodeFrame, FrameDecoder, type RpcMessage } from "./jsonrpc.ts";
export { LanguageServer, ErrorCodes } from "./server.ts";
export { Projects } from "./project.ts";
export { serveLsp } from "./stdio.ts";
