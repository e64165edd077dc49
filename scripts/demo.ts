/**
 * `npm run demo` — vmlab's main job on the bundled example, driven through
 * the compiled `dist/vmlab` exactly as a user would type it:
 *
 *   1. build the example's guest with `vmlab template build` from
 *      examples/hello-template (once): the tiny test disk, a provision script
 *      run in the build VM, sealed into the store as x86_64/hello-guest@1.0,
 *   2. `vmlab validate` and `vmlab up` in examples/hello,
 *   3. `vmlab status`, `vmlab exec` of `uname -a` in both VMs, and a ping
 *      from beta to alpha by name across the lab's userspace switch,
 *   4. leave the lab running and print the commands to explore and tear down.
 *
 * Run by scripts/run.mjs, which builds the binary and the template first and
 * passes them in VMLAB_BIN and VMLAB_TINY_TEMPLATE.
 */
import { rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const bin = process.env.VMLAB_BIN ?? join(root, "dist", "vmlab");
const template = process.env.VMLAB_TINY_TEMPLATE;
const lab = join(root, "examples", "hello");
const templateDir = join(root, "examples", "hello-template");
const REF = "x86_64/hello-guest@1.0";

const bold = process.stderr.isTTY === true && !process.env.NO_COLOR;

function say(s: string): void {
  process.stderr.write(bold ? `\n\x1b[1m$ ${s}\x1b[0m\n` : `\n$ ${s}\n`);
}

function vmlab(args: string[], opts: { capture?: boolean; cwd?: string } = {}): { code: number; stdout: string } {
  if (!opts.capture) say(`vmlab ${args.join(" ")}`);
  const p = Bun.spawnSync([bin, ...args], {
    cwd: opts.cwd ?? lab,
    stdout: opts.capture ? "pipe" : "inherit",
    stderr: opts.capture ? "pipe" : "inherit",
    stdin: "ignore",
  });
  return { code: p.exitCode ?? 1, stdout: opts.capture ? (p.stdout?.toString() ?? "") : "" };
}

function must(args: string[], cwd?: string): void {
  const r = vmlab(args, cwd ? { cwd } : {});
  if (r.code !== 0) {
    process.stderr.write(`\ndemo: \`vmlab ${args.join(" ")}\` failed with status ${r.code}\n`);
    process.exit(r.code);
  }
}

if (!template) {
  process.stderr.write("demo: VMLAB_TINY_TEMPLATE is not set (run it as `npm run demo`)\n");
  process.exit(2);
}

const listed = vmlab(["template", "list", "--json"], { capture: true });
const have = listed.code === 0 && (JSON.parse(listed.stdout) as { ref: string }[]).some((t) => t.ref === REF);
if (!have) {
  // The template's source is the tiny test disk, linked next to its vmlab.wcl.
  const link = join(templateDir, "tiny-linux.qcow2");
  rmSync(link, { force: true });
  symlinkSync(template, link);
  must(["template", "build", "hello-guest"], templateDir);
}
must(["validate"]);
must(["up"]);
must(["status"]);
must(["exec", "alpha", "--", "uname", "-a"]);
must(["exec", "beta", "--", "uname", "-a"]);
// The note the template build's provision left on the disk every clone starts from.
must(["exec", "alpha", "--", "/bin/sh", "-c", "mkdir -p /boot-disk && mount -t vfat -o ro /dev/vda /boot-disk && cat /boot-disk/BUILT.txt"]);
// The segment "lan" is the lab daemon's userspace switch: DHCP gave both VMs
// addresses, and its DNS knows them by name.
must(["exec", "beta", "--", "ping", "-c", "2", "alpha.hello.vmlab.internal"]);

process.stderr.write(`
The lab is running. Try, from ${lab}:
  ${bin} status              # VMs, pids, uptime
  ${bin} exec alpha -- ps     # run anything through the guest agent
  ${bin} cp alpha:/etc/os-release .
  ${bin} logs -f              # lab events as they happen
  ${bin} down                 # stop both VMs (clones are kept)
  ${bin} destroy              # stop and delete the clones
`);
