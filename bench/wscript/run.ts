/**
 * wscript vs Lua 5.4 on the four microbenchmarks of fact_benchmarks.md:
 * fib(25) recursive, loop sum 1..=2,000,000, string build of 20k pieces,
 * sort of 10k ints. Only execution is timed (compilation excluded); each
 * side runs RUNS times in its own process setting and we print medians and
 * the ratio lua/wscript (> 1 means wscript is faster).
 * Run: bun bench/wscript/run.ts   (skips Lua with a message if /usr/bin/lua5.4 is absent)
 */
import { existsSync } from "node:fs";
import { Context, Vm } from "../../wscript/mod.ts";

const RUNS = 7;
const LUA = "/usr/bin/lua5.4";

const BENCHES: { name: string; ws: string; lua: string }[] = [
  { name: "fib(25) recursive",
    ws: "fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }\nfn run() -> int { fib(25) }",
    lua: "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end\nlocal function run() return fib(25) end" },
  { name: "loop sum 1..=2,000,000",
    ws: "fn run() -> int {\n let s = 0\n for i in 1..=2000000 { s = s + i }\n s\n}",
    lua: "local function run() local s = 0 for i = 1, 2000000 do s = s + i end return s end" },
  { name: "string build (20k pieces)",
    ws: "fn run() -> int {\n let s = \"\"\n for i in 0..20000 { s = s + str(i) }\n s.len()\n}",
    lua: "local function run() local t = {} for i = 0, 19999 do t[#t+1] = tostring(i) end return #table.concat(t) end" },
  { name: "list sort (10k ints)",
    ws: "fn run() -> int {\n let xs = []\n let x = 12345\n for i in 0..10000 { x = (x * 1103515245 + 12345) % 2147483648\n xs.push(x) }\n xs.sort()\n xs[0]\n}",
    lua: "local function run() local xs = {} local x = 12345 for i = 1, 10000 do x = (x * 1103515245 + 12345) % 2147483648 xs[#xs+1] = x end table.sort(xs) return xs[1] end" },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function timeWs(src: string): number {
  const r = new Context().compile("bench.wscript", src);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  const vm = new Vm(r.unit);
  vm.call("run");
  const ts: number[] = [];
  for (let i = 0; i < RUNS; i++) { const t0 = performance.now(); vm.call("run"); ts.push(performance.now() - t0); }
  return median(ts);
}

function timeLua(src: string): number | undefined {
  if (!existsSync(LUA)) return undefined;
  const prog = `${src}\nlocal ts = {}\nrun()\nfor i = 1, ${RUNS} do local t0 = os.clock() run() ts[#ts+1] = (os.clock() - t0) * 1000 end\ntable.sort(ts)\nprint(ts[${Math.floor(RUNS / 2) + 1}])`;
  const p = Bun.spawnSync([LUA, "-e", prog]);
  return Number(p.stdout.toString().trim());
}

if (!existsSync(LUA)) console.log(`note: ${LUA} not found — install the Debian package lua5.4 to compare; printing wscript times only`);
console.log(`${"benchmark".padEnd(28)} ${"wscript".padStart(10)} ${"Lua 5.4".padStart(10)} ${"lua/ws".padStart(8)}`);
for (const b of BENCHES) {
  const w = timeWs(b.ws);
  const l = timeLua(b.lua);
  console.log(`${b.name.padEnd(28)} ${`${w.toFixed(2)}ms`.padStart(10)} ${l === undefined ? "-".padStart(10) : `${l.toFixed(2)}ms`.padStart(10)} ${l === undefined ? "" : `${(l / w).toFixed(2)}x`.padStart(8)}`);
}
