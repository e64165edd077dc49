/**
 * wscript vs Lua 5.4 and LuaJIT.
 *
 * Four microbenchmarks of fact_benchmarks.md — fib(25) recursive, loop sum
 * 1..=2,000,000, string build of 20k pieces, sort of 10k ints — and two
 * realistic workloads:
 * - json: parse a generated ~1 MB JSON document (records with strings, ints,
 *   two-decimal prices, booleans, nested objects and arrays) and serialise it
 *   again. wscript uses its `json` module (parse → `Value` → `to_string`);
 *   Lua 5.4 and LuaJIT use lua-cjson (`cjson.decode` / `cjson.encode`, the
 *   Debian package lua-cjson), the usual C JSON library of both.
 * - regex scan: ~10 MB of generated access-log lines; count the lines with a
 *   5xx status and sum their latencies. wscript runs the regex
 *   `status=5[0-9][0-9] latency=[0-9]+ms` through `regex::find_all` and reads
 *   the number from each match; Lua runs the equivalent Lua pattern
 *   `status=5%d%d latency=(%d+)ms` through `string.gmatch` (Lua has no regex
 *   library in its standard distribution; patterns are what Lua scripts use).
 *
 * Only execution is timed (compilation, and reading the input, excluded), as
 * CPU time of the process on every side (Lua's os.clock(), Bun's
 * process.cpuUsage()), so other load on the machine does not skew the ratios;
 * each side runs the workload WARMUP times untimed and then RUNS times, each
 * benchmark in a process of its own; we print medians and the ratios
 * peer/wscript (> 1 means wscript is faster). Peers that are not
 * installed are skipped with a note.
 * Run: bun bench/wscript/run.ts
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context, stdModules, Vm } from "../../wscript/mod.ts";

const RUNS = 9;
/** Untimed runs first, on every side alike, so JIT compilers (the engine under wscript, LuaJIT) have tiered up. */
const WARMUP = 10;
const PEERS = [
  { name: "Lua 5.4", bin: "/usr/bin/lua5.4" },
  { name: "LuaJIT", bin: "/usr/bin/luajit" },
];

type Bench = { name: string; ws: string; lua: string; input?: string };

/** A deterministic PRNG (LCG) so every run measures the same input. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** ~1 MB of JSON: an array of order records. */
function jsonDocument(): string {
  const r = prng(7);
  const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];
  const pick = () => words[Math.floor(r() * words.length)] as string;
  const recs: string[] = [];
  let size = 0;
  for (let id = 1; size < 1_000_000; id++) {
    const items = Array.from(
      { length: 1 + Math.floor(r() * 4) },
      () => `{"sku": "${pick()}-${Math.floor(r() * 10000)}", "qty": ${1 + Math.floor(r() * 9)}, "price": ${(r() * 200).toFixed(2)}}`,
    );
    const rec =
      `{"id": ${id}, "customer": {"name": "${pick()} ${pick()}", "email": "${pick()}${id}@example.com", "vip": ${r() < 0.1}}, ` +
      `"items": [${items.join(", ")}], "total": ${(r() * 1000).toFixed(2)}, "tags": ["${pick()}", "${pick()}"], "note": ${r() < 0.3 ? `"${pick()} \\"${pick()}\\""` : "null"}}`;
    recs.push(rec);
    size += rec.length + 2;
  }
  return `[\n${recs.join(",\n")}\n]\n`;
}

/** ~10 MB of access-log lines. */
function logLines(): string {
  const r = prng(11);
  const methods = ["GET", "POST", "PUT", "DELETE"];
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < 10_000_000; i++) {
    const status = r() < 0.03 ? 500 + Math.floor(r() * 4) : r() < 0.1 ? 404 : 200;
    const line =
      `2026-12-06T03:${String(Math.floor(i / 60000) % 60).padStart(2, "0")}:${String(Math.floor(i / 1000) % 60).padStart(2, "0")}Z host-${Math.floor(r() * 40)} ` +
      `${methods[Math.floor(r() * 4)]} /api/v1/items/${Math.floor(r() * 100000)} status=${status} latency=${1 + Math.floor(r() * 900)}ms bytes=${Math.floor(r() * 50000)}`;
    out.push(line);
    size += line.length + 1;
  }
  return out.join("\n") + "\n";
}

const MICRO: Bench[] = [
  {
    name: "fib(25) recursive",
    ws: "fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }\nfn run(input: string) -> int { fib(25) }",
    lua: "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end\nlocal function run() return fib(25) end",
  },
  {
    name: "loop sum 1..=2,000,000",
    ws: "fn run(input: string) -> int {\n let s = 0\n for i in 1..=2000000 { s = s + i }\n s\n}",
    lua: "local function run() local s = 0 for i = 1, 2000000 do s = s + i end return s end",
  },
  {
    name: "string build (20k pieces)",
    ws: 'fn run(input: string) -> int {\n let s = ""\n for i in 0..20000 { s = s + str(i) }\n s.len()\n}',
    lua: "local function run() local t = {} for i = 0, 19999 do t[#t+1] = tostring(i) end return #table.concat(t) end",
  },
  {
    name: "list sort (10k ints)",
    ws: "fn run(input: string) -> int {\n let xs = []\n let x = 12345\n for i in 0..10000 { x = (x * 1103515245 + 12345) % 2147483648\n xs.push(x) }\n xs.sort()\n xs[0]\n}",
    lua: "local function run() local xs = {} local x = 12345 for i = 1, 10000 do x = (x * 1103515245 + 12345) % 2147483648 xs[#xs+1] = x end table.sort(xs) return xs[1] end",
  },
];

function realistic(dir: string, write: boolean): Bench[] {
  const json = join(dir, "doc.json");
  const log = join(dir, "access.log");
  if (write) {
    writeFileSync(json, jsonDocument());
    writeFileSync(log, logLines());
  }
  return [
    {
      name: "json parse+serialise (1 MB)",
      input: json,
      ws: "use json\nfn run(input: string) -> int {\n let v = json::parse(input).unwrap()\n json::to_string(v).len()\n}",
      lua: 'local cjson = require("cjson")\nlocal function run(input) return #cjson.encode(cjson.decode(input)) end',
    },
    {
      name: "regex scan (10 MB log)",
      input: log,
      ws: 'use regex\nfn run(input: string) -> int {\n let n = 0\n let sum = 0\n for m in regex::find_all("status=5[0-9][0-9] latency=[0-9]+ms", input) {\n  let lat = m.split("latency=")[1]\n  sum = sum + lat.slice(0, lat.len() - 2).parse_int().unwrap()\n  n = n + 1\n }\n n * 1000000 + sum\n}',
      lua: 'local function run(input) local n, sum = 0, 0 for lat in input:gmatch("status=5%d%d latency=(%d+)ms") do n = n + 1 sum = sum + tonumber(lat) end return n * 1000000 + sum end',
    },
  ];
}

/** CPU time of this process in ms — what Lua's os.clock() measures on the other side, so load on a shared machine skews neither. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function timeWs(b: Bench): { ms: number; result: string } {
  const ctx = new Context();
  for (const m of stdModules()) ctx.module(m);
  const r = ctx.compile("bench.wscript", b.ws);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  const vm = new Vm(r.unit);
  const text = b.input ? readFileSync(b.input, "utf8") : "";
  const first = vm.call("run", [text]);
  if (!first.ok) throw new Error(`${b.name}: ${first.error.message}`);
  for (let i = 1; i < WARMUP; i++) vm.call("run", [text]);
  const ts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = cpuMs();
    vm.call("run", [text]);
    ts.push(cpuMs() - t0);
  }
  return { ms: median(ts), result: String(first.value) };
}

function timeLua(bin: string, b: Bench): { ms: number; result: string } | undefined {
  if (!existsSync(bin)) return undefined;
  const read = b.input ? `local f = assert(io.open(${JSON.stringify(b.input)}, "rb")) local input = f:read("*a") f:close()` : `local input = ""`;
  const prog = `${b.lua}\n${read}\nlocal first = run(input)\nfor i = 2, ${WARMUP} do run(input) end\nlocal ts = {}\nfor i = 1, ${RUNS} do local t0 = os.clock() run(input) ts[#ts+1] = (os.clock() - t0) * 1000 end\ntable.sort(ts)\nprint(ts[${Math.floor(RUNS / 2) + 1}])\nprint(string.format("%d", first))`;
  const p = Bun.spawnSync([bin, "-e", prog]);
  if (p.exitCode !== 0) {
    console.log(`note: ${bin} failed on ${b.name}: ${p.stderr.toString().trim().split("\n")[0]}`);
    return undefined;
  }
  const [ms, result] = p.stdout.toString().trim().split("\n");
  return { ms: Number(ms), result: result ?? "" };
}

/** Each wscript benchmark runs in a process of its own, as each Lua one does (no JIT profile shared between benchmarks). */
function timeWsInProcess(index: number, dir: string): { ms: number; result: string } {
  const p = Bun.spawnSync([process.execPath, import.meta.path, "--one", String(index), dir]);
  if (p.exitCode !== 0) throw new Error(p.stderr.toString());
  return JSON.parse(p.stdout.toString()) as { ms: number; result: string };
}

if (process.argv[2] === "--one") {
  const all = [...MICRO, ...realistic(process.argv[4] as string, false)];
  console.log(JSON.stringify(timeWs(all[Number(process.argv[3])] as Bench)));
} else {
  for (const p of PEERS) if (!existsSync(p.bin)) console.log(`note: ${p.bin} not found — apt-get install lua5.4 luajit lua-cjson to compare`);
  const cols = PEERS.map((p) => p.name);
  console.log(
    `${"benchmark".padEnd(30)} ${"wscript".padStart(10)} ${cols.map((c) => c.padStart(10)).join(" ")} ${cols.map((c) => `${c}/ws`.padStart(11)).join(" ")}`,
  );
  const dir = mkdtempSync(join(tmpdir(), "wscript-bench-"));
  for (const [i, b] of [...MICRO, ...realistic(dir, true)].entries()) {
    const w = timeWsInProcess(i, dir);
    const peers = PEERS.map((p) => timeLua(p.bin, b));
    const cell = (x: { ms: number } | undefined) => (x ? `${x.ms.toFixed(2)}ms` : "-").padStart(10);
    const ratio = (x: { ms: number } | undefined) => (x ? `${(x.ms / w.ms).toFixed(2)}x` : "").padStart(11);
    console.log(`${b.name.padEnd(30)} ${cell(w)} ${peers.map(cell).join(" ")} ${peers.map(ratio).join(" ")}`);
    // The regex scan must give the same answer everywhere (the micro sort differs under LuaJIT's doubles; cjson does not sort keys).
    if (b.name.startsWith("regex"))
      for (const [k, p] of peers.entries()) if (p && p.result !== w.result) console.log(`note: ${PEERS[k]?.name} answered ${p.result}, wscript ${w.result}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
