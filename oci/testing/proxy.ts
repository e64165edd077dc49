/**
 * An HTTP proxy in front of a test registry that can
 * - count requests (method + route kind) and blob bytes served,
 * - cap request bodies like some registries and proxies do (413 above
 *   `bodyCap` bytes),
 * - slow blob downloads down (`blobDelayMs`),
 * - act as a Bearer token realm (Docker token authentication): requests
 *   without a valid token get `401` with `WWW-Authenticate: Bearer
 *   realm=…/token,service=…,scope=…`; `GET /token` checks Basic credentials
 *   and hands out short-lived random tokens (`token` or `access_token`).
 * The registry behind it runs without auth; `Location` headers are
 * rewritten to the proxy's address.
 */
export interface ProxyOptions {
  readonly upstream: string;
  readonly bodyCap?: number;
  /** Users accepted by the token realm; enables Bearer auth. */
  readonly tokenUsers?: Record<string, string>;
  /** Answer tokens as `access_token` instead of `token`. */
  readonly accessTokenField?: boolean;
  readonly tokenSeconds?: number;
  /** Delay before answering each blob GET (slows a pull down so a test can interrupt it). */
  readonly blobDelayMs?: number;
}

export interface TestProxy {
  readonly host: string;
  readonly url: string;
  /** `"HEAD blob"`, `"PATCH upload"`, `"PUT manifest"`, `"GET token"`, … → count */
  readonly counts: Map<string, number>;
  /** Bytes of blob bodies served by GET. */
  blobBytesServed: number;
  /** Token requests answered, with the scopes asked. */
  readonly tokenScopes: string[];
  reset(): void;
  stop(): void;
}

function kindOf(path: string): string {
  if (path === "/token") return "token";
  if (/\/blobs\/uploads\//.test(path)) return "upload";
  if (/\/blobs\//.test(path)) return "blob";
  if (/\/manifests\//.test(path)) return "manifest";
  if (/\/tags\/list/.test(path)) return "tags";
  if (/\/referrers\//.test(path)) return "referrers";
  return "other";
}

export function startProxy(o: ProxyOptions): TestProxy {
  const tokens = new Map<string, number>();
  const counts = new Map<string, number>();
  const state = { blobBytesServed: 0 };
  const tokenScopes: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 120,
    async fetch(req) {
      const url = new URL(req.url);
      const key = `${req.method} ${kindOf(url.pathname)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const self = `http://${url.host}`;
      if (o.tokenUsers && url.pathname === "/token") {
        const auth = req.headers.get("authorization") ?? "";
        const plain = auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString() : "";
        const [user, ...rest] = plain.split(":");
        if (!user || o.tokenUsers[user] !== rest.join(":")) return new Response(JSON.stringify({ errors: [{ code: "UNAUTHORIZED" }] }), { status: 401 });
        tokenScopes.push(...url.searchParams.getAll("scope"));
        const token = crypto.randomUUID();
        const seconds = o.tokenSeconds ?? 300;
        tokens.set(token, Date.now() + seconds * 1000);
        return Response.json({ [o.accessTokenField ? "access_token" : "token"]: token, expires_in: seconds, issued_at: new Date().toISOString() });
      }
      if (o.tokenUsers) {
        const auth = req.headers.get("authorization") ?? "";
        const exp = auth.startsWith("Bearer ") ? tokens.get(auth.slice(7)) : undefined;
        if (exp === undefined || exp < Date.now()) {
          const repo = /^\/v2\/(.+?)\/(?:blobs|manifests|tags|referrers)\//.exec(url.pathname)?.[1];
          const scope = repo ? `,scope="repository:${repo}:${req.method === "GET" || req.method === "HEAD" ? "pull" : "pull,push"}"` : "";
          return new Response(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }), {
            status: 401,
            headers: { "www-authenticate": `Bearer realm="${self}/token",service="vmlab-test"${scope}`, "content-type": "application/json" },
          });
        }
      }
      const declared = Number(req.headers.get("content-length") ?? "0");
      if (o.bodyCap !== undefined && declared > o.bodyCap) {
        await req.body?.cancel();
        counts.set(`413 ${req.method}`, (counts.get(`413 ${req.method}`) ?? 0) + 1);
        return new Response("request entity too large", { status: 413 });
      }
      const headers = new Headers(req.headers);
      headers.delete("host");
      headers.delete("authorization");
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
      const up = await fetch(`${o.upstream}${url.pathname}${url.search}`, {
        method: req.method,
        headers,
        ...(body ? { body } : {}),
        redirect: "manual",
        decompress: false,
      } as RequestInit);
      const out = new Headers(up.headers);
      const loc = out.get("location");
      if (loc) out.set("location", loc.replace(o.upstream, self));
      out.delete("content-encoding");
      if (req.method === "GET" && kindOf(url.pathname) === "blob" && up.body) {
        if (o.blobDelayMs) await Bun.sleep(o.blobDelayMs);
        const counted = up.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, ctl) {
              state.blobBytesServed += chunk.length;
              ctl.enqueue(chunk);
            },
          }),
        );
        return new Response(counted, { status: up.status, headers: out });
      }
      return new Response(req.method === "HEAD" ? null : up.body, { status: up.status, headers: out });
    },
  });
  const proxy: TestProxy = {
    host: `127.0.0.1:${server.port}`,
    url: `http://127.0.0.1:${server.port}`,
    counts,
    get blobBytesServed() {
      return state.blobBytesServed;
    },
    set blobBytesServed(v: number) {
      state.blobBytesServed = v;
    },
    tokenScopes,
    reset() {
      counts.clear();
      state.blobBytesServed = 0;
      tokenScopes.length = 0;
    },
    stop() {
      server.stop(true);
    },
  };
  return proxy;
}
