/**
 * The validate corpus: lab files with the exact diagnostics they must
 * produce — code, location and offending name. A location is given as a
 * source snippet (`at`), resolved to line:col in the case's own text, with
 * `#n` selecting the n-th occurrence.
 */
import { describe, expect, test } from "bun:test";
import { locate } from "../../core/wcl/mod.ts";
import { check, type CheckOptions } from "./harness.ts";

interface Want {
  code: string;
  at: string;
  name?: string;
}
interface Case {
  name: string;
  src: string;
  want: Want[];
  opts?: CheckOptions;
}

const lab = (body: string) => `import <vmlab.wcl>\nlab "t" {\n${body}\n}\n`;
const vm = (body: string, name = "box") => `  vm "${name}" {\n    template = "x86_64/linux-modern"\n${body}\n  }`;
const corp = `  segment "corp" { subnet = "10.50.0.0/24" }`;

function where(src: string, at: string): string {
  const [snippet = "", nth = "1"] = at.split("#");
  let idx = -1;
  for (let i = 0; i < Number(nth); i++) idx = src.indexOf(snippet, idx + 1);
  if (idx < 0) throw new Error(`snippet not found: ${at}`);
  const p = locate(src, idx);
  return `${p.line}:${p.col}`;
}

const VALID: Case[] = [
  {
    name: "connect to a vmlab peer and a private VXLAN",
    src: lab(
      `  segment "a" {\n    connect { host = "peer:7400" }\n  }\n  segment "b" {\n    connect { vxlan = "192.168.5.2:4789" vni = 42 local_port = 4790 }\n  }`,
    ),
    want: [],
  },
  { name: "a minimal lab", src: lab(vm("    memory = 2GiB\n    nic { nat = true }")), want: [] },
  { name: "a lab with a pinned template version", src: lab(`  vm "c" { template = "x86_64/windows-11@26100.1" }`), want: [] },
  {
    name: "a lab generated with for and if",
    src: `import <vmlab.wcl>\nlet n = 3\nlab "gen" {\n  segment "s" { subnet = "10.9.0.0/24" }\n  for i in 0..n {\n    vm "node\${i}" {\n      template = "x86_64/linux-modern"\n      cpus = i + 1\n      nic { segment = "s" ip = "10.9.0.\${10 + i}" }\n      depends_on = i > 0 ? ["node\${i - 1}"] : []\n    }\n  }\n  if n > 2 { vm "extra" { template = "x86_64/linux-modern" } }\n}\n`,
    want: [],
  },
  {
    name: "a scratch VM with arch, profile and disk",
    src: lab(`  vm "inst" {\n    template = "scratch"\n    arch = "x86_64"\n    profile = "windows-11"\n    disk = 80GiB\n    cdrom = "./isos/win11.iso"\n  }`),
    want: [],
  },
  { name: "a registry reference with an explicit arch", src: lab(`  vm "r" { template = "ghcr.io/acme/win11:1.0" arch = "x86_64" }`), want: [] },
  { name: "a template-only file", src: `template "t" {\n  arch = "x86_64"\n  version = "1.0"\n  disk = 20GiB\n  source "scratch" { }\n}\n`, want: [] },
  {
    name: "segments with forwards, rules and records",
    src: lab(
      `  segment "corp" {\n    subnet = "10.50.0.0/24"\n    nat = true\n    mtu = 1500\n    dns { server = "10.50.0.10" }\n    route { dest = "10.60.0.0/24" via = "10.50.0.254" }\n    record { name = "*.internal" ip = "10.50.0.5" }\n    forward { host_port = 13389 to = "dc01:3389" proto = "both" }\n    block { cidr = "192.0.2.0/24" proto = "tcp" port = 443 }\n    redirect { from = "10.50.0.254:53" to = "10.50.0.10:53" proto = "udp" }\n    sinkhole { pattern = "*.telemetry.com" mode = "zero" }\n  }\n  vm "dc01" { template = "x86_64/windows-server-2025" nic { segment = "corp" ip = "10.50.0.10" mac = "52:54:00:aa:bb:cc" } }`,
    ),
    want: [],
  },
  {
    name: "imports of a relative file",
    src: `import <vmlab.wcl>\nimport "./common.wcl"\nlab "t" {\n  vm "a" { template = tmpl }\n}\n`,
    opts: { files: { "/lab/common.wcl": 'export let tmpl = "x86_64/linux-modern"\n' } },
    want: [],
  },
];

const INVALID: Case[] = [
  // connect: a vmlab trunk or a VXLAN VTEP (issue 14)
  {
    name: "connect with both host and vxlan",
    src: lab(`  segment "s" {\n    connect { host = "peer:7400" vxlan = "10.0.0.2" vni = 1 }\n  }`),
    want: [{ code: "config.invalid_value", at: "connect", name: "connect" }],
  },
  {
    name: "connect host without its port",
    src: lab(`  segment "s" {\n    connect { host = "peer" }\n  }`),
    want: [{ code: "config.invalid_address", at: '"peer"', name: "peer" }],
  },
  {
    name: "connect vxlan without a vni",
    src: lab(`  segment "s" {\n    connect { vxlan = "10.0.0.2:4789" }\n  }`),
    want: [{ code: "config.missing_attribute", at: "connect", name: "vni" }],
  },
  {
    name: "connect vxlan to a public address (a warning)",
    src: lab(`  segment "s" {\n    connect { vxlan = "8.8.8.8" vni = 5 }\n  }`),
    want: [{ code: "config.vxlan_public_remote", at: '"8.8.8.8"', name: "8.8.8.8" }],
  },
  // WCL syntax and evaluation
  { name: "a missing value", src: lab(vm("    cpus = \n    memory = 1GiB")), want: [{ code: "E002", at: "cpus", name: "cpus" }] },
  { name: "an unterminated string", src: lab(vm(`    display = "std\n`)), want: [{ code: "E003", at: '"std' }] },
  { name: "an unknown size unit", src: lab(vm("    memory = 4Gb")), want: [{ code: "E004", at: "4Gb", name: "Gb" }] },
  { name: "an undefined variable", src: lab(vm("    cpus = ncpu")), want: [{ code: "E040", at: "ncpu", name: "ncpu" }] },
  { name: "an unknown function", src: lab(vm("    cpus = lenn([1])")), want: [{ code: "E052", at: "lenn", name: "lenn" }] },
  { name: "a non-bool if condition", src: lab("  if 1 { }"), want: [{ code: "E026", at: "1 {" }] },
  { name: "a for over a non-list", src: lab('  for x in "ab" { }'), want: [{ code: "E025", at: '"ab"' }] },
  { name: "division by zero", src: lab(vm("    cpus = 4 / 0")), want: [{ code: "E051", at: "4 / 0" }] },
  { name: "a duplicate attribute", src: lab(vm("    cpus = 1\n    cpus = 2")), want: [{ code: "E031", at: "cpus#2", name: "cpus" }] },
  { name: "a macro", src: `macro m(x) { }\n${lab(vm(""))}`, want: [{ code: "E190", at: "macro", name: "macro" }] },
  { name: "a table", src: `table t { a: string }\n${lab(vm(""))}`, want: [{ code: "E190", at: "table", name: "table" }] },
  { name: "a partial block", src: `partial lab "x" { }\n${lab(vm(""))}`, want: [{ code: "E190", at: "partial", name: "partial" }] },
  { name: "a query", src: lab(vm("    depends_on = (..vm)")), want: [{ code: "E190", at: "(..vm)" }] },
  { name: "a missing import", src: `import "./nope.wcl"\n${lab(vm(""))}`, want: [{ code: "E010", at: 'import "./nope.wcl"', name: "./nope.wcl" }] },
  { name: "an unknown library", src: `import <other.wcl>\n${lab(vm(""))}`, want: [{ code: "E015", at: "import <other.wcl>", name: "other.wcl" }] },
  { name: "an attribute without =", src: lab(vm("    cpus 4")), want: [{ code: "E002", at: "cpus", name: "cpus" }] },
  // schema
  {
    name: "an unknown attribute with a suggestion",
    src: lab(vm("    memroy = 1GiB")),
    want: [{ code: "config.unknown_attribute", at: "memroy", name: "memroy" }],
  },
  { name: "an unknown block", src: lab(vm("    nik { nat = true }")), want: [{ code: "config.unknown_block", at: "nik", name: "nik" }] },
  {
    name: "an unknown top-level block",
    src: `import <vmlab.wcl>\nlabb "x" { }\n`,
    want: [
      { code: "config.empty_lab_file", at: "import", name: "/lab/vmlab.wcl" },
      { code: "config.unknown_block", at: "labb", name: "labb" },
    ],
  },
  { name: "a top-level attribute", src: `x = 1\n${lab(vm(""))}`, want: [{ code: "config.unknown_attribute", at: "x", name: "x" }] },
  { name: "two lab blocks", src: `${lab(vm(""))}lab "u" { }\n`, want: [{ code: "config.duplicate_block", at: 'lab "u"', name: "lab" }] },
  { name: "a missing template", src: lab('  vm "a" { cpus = 1 }'), want: [{ code: "config.missing_attribute", at: 'vm "a"', name: "template" }] },
  { name: "a VM without a label", src: lab('  vm { template = "x86_64/linux-modern" }'), want: [{ code: "config.missing_label", at: "vm {", name: "vm" }] },
  { name: "a NIC with a label", src: lab(vm('    nic "eth0" { nat = true }')), want: [{ code: "config.unexpected_label", at: '"eth0"', name: "nic" }] },
  { name: "memory as a bare integer", src: lab(vm("    memory = 2048")), want: [{ code: "config.type_mismatch", at: "2048", name: "memory" }] },
  { name: "cpus as a string", src: lab(vm('    cpus = "4"')), want: [{ code: "config.type_mismatch", at: '"4"', name: "cpus" }] },
  { name: "depends_on as a string", src: lab(vm('    depends_on = "x"')), want: [{ code: "config.type_mismatch", at: '"x"', name: "depends_on" }] },
  { name: "a non-string list element", src: lab(vm('    qemu_args = ["-m", 4]')), want: [{ code: "config.type_mismatch", at: "4]", name: "qemu_args" }] },
  { name: "zero cpus", src: lab(vm("    cpus = 0")), want: [{ code: "config.out_of_range", at: "0", name: "cpus" }] },
  { name: "an MTU below 576", src: lab('  segment "s" { mtu = 500 }'), want: [{ code: "config.out_of_range", at: "500", name: "mtu" }] },
  {
    name: "a host port above 65535",
    src: lab(`${corp}\n  segment "x" { forward { host_port = 70000 to = "box:22" } }`),
    want: [
      { code: "config.out_of_range", at: "70000", name: "host_port" },
      { code: "config.unknown_vm", at: '"box:22"', name: "box" },
    ],
  },
  {
    name: "an unknown firmware with a suggestion",
    src: lab(vm('    firmware = "ovfm"')),
    want: [{ code: "config.invalid_value", at: '"ovfm"', name: "ovfm" }],
  },
  {
    name: "two gpu blocks",
    src: lab(vm('    gpu { mode = "virgl" }\n    gpu { mode = "virgl" }')),
    want: [{ code: "config.duplicate_block", at: "gpu#2", name: "gpu" }],
  },
  { name: "an attribute written as a block", src: lab(vm("    cpus { }")), want: [{ code: "config.unknown_block", at: "cpus", name: "cpus" }] },
  // names
  {
    name: "a VM name that is not a DNS label",
    src: lab('  vm "my_box" { template = "x86_64/linux-modern" }'),
    want: [{ code: "config.invalid_name", at: '"my_box"', name: "my_box" }],
  },
  {
    name: "a 64-character VM name",
    src: lab(`  vm "${"a".repeat(64)}" { template = "x86_64/linux-modern" }`),
    want: [{ code: "config.invalid_name", at: `"${"a".repeat(64)}"`, name: "a".repeat(64) }],
  },
  { name: "a lab name with a space", src: `lab "my lab" { }\n`, want: [{ code: "config.invalid_name", at: '"my lab"', name: "my lab" }] },
  { name: "duplicate VM names", src: lab(`${vm("")}\n${vm("")}`), want: [{ code: "config.duplicate_name", at: '"box"#2', name: "box" }] },
  { name: "duplicate segment names", src: lab('  segment "s" { }\n  segment "s" { }'), want: [{ code: "config.duplicate_name", at: '"s"#2', name: "s" }] },
  // templates
  {
    name: "an archless template reference",
    src: lab('  vm "a" { template = "linux-modern" }'),
    want: [{ code: "config.archless_template_ref", at: '"linux-modern"', name: "linux-modern" }],
  },
  {
    name: "an unknown arch in a template reference",
    src: lab('  vm "a" { template = "amd64/linux-modern" }'),
    want: [{ code: "config.unknown_arch", at: '"amd64/', name: "amd64/linux-modern" }],
  },
  {
    name: "a malformed template reference",
    src: lab('  vm "a" { template = "x86_64/linux@1@2" }'),
    want: [{ code: "config.invalid_template_ref", at: '"x86_64/linux@1@2"', name: "x86_64/linux@1@2" }],
  },
  {
    name: "a template missing from the store",
    src: lab('  vm "a" { template = "x86_64/debian-12" }'),
    want: [{ code: "config.template_not_in_store", at: '"x86_64/debian-12"', name: "x86_64/debian-12" }],
  },
  {
    name: "a pinned version missing from the store",
    src: lab('  vm "a" { template = "x86_64/linux-modern@9.9" }'),
    want: [{ code: "config.template_not_in_store", at: '"x86_64/linux-modern@9.9"', name: "x86_64/linux-modern@9.9" }],
  },
  {
    name: "a registry reference without arch",
    src: lab('  vm "a" { template = "ghcr.io/acme/t:1" }'),
    want: [{ code: "config.registry_ref_needs_arch", at: '"ghcr.io', name: "ghcr.io/acme/t:1" }],
  },
  {
    name: "a scratch VM missing arch, profile and disk",
    src: lab('  vm "s" { template = "scratch" }'),
    want: [
      { code: "config.scratch_incomplete", at: 'vm "s"', name: "s" },
      { code: "config.scratch_incomplete", at: 'vm "s"', name: "s" },
      { code: "config.scratch_incomplete", at: 'vm "s"', name: "s" },
    ],
  },
  { name: "disk on a cloned VM", src: lab(vm("    disk = 10GiB")), want: [{ code: "config.disk_on_clone", at: "10GiB", name: "disk" }] },
  {
    name: "an unknown profile",
    src: lab(vm('    profile = "windows-12"')),
    want: [{ code: "config.unknown_profile", at: '"windows-12"', name: "windows-12" }],
  },
  {
    name: "an arch that contradicts the template",
    src: lab(vm('    arch = "aarch64"')),
    want: [{ code: "config.arch_mismatch", at: '"aarch64"', name: "aarch64" }],
  },
  {
    name: "gpu passthrough without an address",
    src: lab(vm('    gpu { mode = "passthrough" }')),
    want: [{ code: "config.gpu_address_required", at: "gpu", name: "box" }],
  },
  {
    name: "a malformed PCI address",
    src: lab(vm('    gpu { mode = "passthrough" address = "01:00" }')),
    want: [{ code: "config.invalid_pci_address", at: '"01:00"', name: "01:00" }],
  },
  {
    name: "secure boot with SeaBIOS",
    src: lab(vm('    firmware = "seabios"\n    secure_boot = true')),
    want: [{ code: "config.secure_boot_needs_ovmf", at: "true", name: "box" }],
  },
  {
    name: "secure boot from a profile overridden to SeaBIOS",
    src: lab(vm('    profile = "windows-11"\n    firmware = "seabios"')),
    want: [{ code: "config.secure_boot_needs_ovmf", at: '"seabios"', name: "box" }],
  },
  {
    name: "a template source with url but no sha256",
    src: `template "t" {\n  arch = "x86_64"\n  version = "1"\n  source "iso" { url = "https://example.org/x.iso" }\n}\n`,
    want: [{ code: "config.url_needs_sha256", at: '"https:', name: "sha256" }],
  },
  {
    name: "a template without a source",
    src: `template "t" {\n  arch = "x86_64"\n  version = "1"\n}\n`,
    want: [{ code: "config.missing_block", at: "template", name: "source" }],
  },
  {
    name: "a scratch template without disk",
    src: `template "t" {\n  arch = "x86_64"\n  version = "1"\n  source "scratch" { }\n}\n`,
    want: [{ code: "config.scratch_incomplete", at: "template", name: "disk" }],
  },
  {
    name: "an unknown source kind",
    src: `template "t" {\n  arch = "x86_64"\n  version = "1"\n  disk = 1GiB\n  source "vmdk" { }\n}\n`,
    want: [{ code: "config.invalid_value", at: '"vmdk"', name: "vmdk" }],
  },
  // networking
  {
    name: "an undeclared segment with a suggestion",
    src: lab(`${corp}\n${vm('    nic { segment = "crop" }')}`),
    want: [{ code: "config.unknown_segment", at: '"crop"', name: "crop" }],
  },
  {
    name: "a NIC with neither segment nor nat",
    src: lab(vm("    nic { isolated = true }")),
    want: [{ code: "config.nic_without_segment", at: "nic", name: "box" }],
  },
  {
    name: "a static IP outside the subnet",
    src: lab(`${corp}\n${vm('    nic { segment = "corp" ip = "10.60.0.5" }')}`),
    want: [{ code: "config.ip_outside_subnet", at: '"10.60.0.5"', name: "10.60.0.5" }],
  },
  {
    name: "a static IP on the broadcast address",
    src: lab(`${corp}\n${vm('    nic { segment = "corp" ip = "10.50.0.255" }')}`),
    want: [{ code: "config.ip_outside_subnet", at: '"10.50.0.255"', name: "10.50.0.255" }],
  },
  {
    name: "a malformed static IP",
    src: lab(`${corp}\n${vm('    nic { segment = "corp" ip = "10.50.0.300" }')}`),
    want: [{ code: "config.invalid_ip", at: '"10.50.0.300"', name: "10.50.0.300" }],
  },
  {
    name: "a duplicate static IP",
    src: lab(`${corp}\n${vm('    nic { segment = "corp" ip = "10.50.0.5" }')}\n${vm('    nic { segment = "corp" ip = "10.50.0.5" }', "b")}`),
    want: [{ code: "config.duplicate_ip", at: '"10.50.0.5"#2', name: "10.50.0.5" }],
  },
  {
    name: "a static IP on an auto-allocated segment",
    src: lab(`  segment "dmz" { }\n${vm('    nic { segment = "dmz" ip = "10.1.0.5" }')}`),
    want: [{ code: "config.static_ip_without_subnet", at: '"10.1.0.5"', name: "10.1.0.5" }],
  },
  {
    name: "a malformed MAC",
    src: lab(vm('    nic { nat = true mac = "52:54:00:zz:00:01" }')),
    want: [{ code: "config.invalid_mac", at: '"52:54', name: "52:54:00:zz:00:01" }],
  },
  {
    name: "a multicast MAC",
    src: lab(vm('    nic { nat = true mac = "01:00:5e:00:00:01" }')),
    want: [{ code: "config.invalid_mac", at: '"01:00', name: "01:00:5e:00:00:01" }],
  },
  {
    name: "a duplicate MAC, in any case",
    src: lab(`${vm('    nic { nat = true mac = "52:54:00:aa:bb:cc" }')}\n${vm('    nic { nat = true mac = "52:54:00:AA:BB:CC" }', "b")}`),
    want: [{ code: "config.duplicate_mac", at: '"52:54:00:AA', name: "52:54:00:AA:BB:CC" }],
  },
  {
    name: "a malformed CIDR",
    src: lab('  segment "s" { subnet = "10.50.0.0/33" }'),
    want: [{ code: "config.invalid_cidr", at: '"10.50.0.0/33"', name: "10.50.0.0/33" }],
  },
  {
    name: "a CIDR with host bits",
    src: lab('  segment "s" { subnet = "10.50.0.1/24" }'),
    want: [{ code: "config.invalid_cidr", at: '"10.50.0.1/24"', name: "10.50.0.1/24" }],
  },
  {
    name: "overlapping subnets",
    src: lab('  segment "a" { subnet = "10.0.0.0/16" }\n  segment "b" { subnet = "10.0.5.0/24" }'),
    want: [{ code: "config.overlapping_subnet", at: '"10.0.5.0/24"', name: "b" }],
  },
  {
    name: "routes_to an undeclared segment",
    src: lab('  segment "a" { routes_to = ["b"] }'),
    want: [{ code: "config.unknown_segment", at: '"b"', name: "b" }],
  },
  {
    name: "a forward to an undeclared VM",
    src: lab(`  segment "corp" { forward { host_port = 2222 to = "ghost:22" } }`),
    want: [{ code: "config.unknown_vm", at: '"ghost:22"', name: "ghost" }],
  },
  {
    name: "a forward target without a port",
    src: lab(`  segment "corp" { forward { host_port = 2222 to = "box" } }\n${vm("")}`),
    want: [{ code: "config.invalid_forward_target", at: '"box"', name: "box" }],
  },
  {
    name: "a duplicate host port",
    src: lab(
      `  segment "corp" {\n    forward { host_port = 2222 to = "box:22" }\n    forward { host_port = 2222 to = "box:23" proto = "both" }\n  }\n${vm('    nic { segment = "corp" }')}`,
    ),
    want: [{ code: "config.duplicate_host_port", at: "2222#2", name: "2222" }],
  },
  {
    name: "a block port without proto",
    src: lab('  segment "s" { block { cidr = "192.0.2.0/24" port = 443 } }'),
    want: [{ code: "config.block_port_without_proto", at: "443", name: "port" }],
  },
  {
    name: "a bad route gateway",
    src: lab('  segment "s" { route { dest = "10.6.0.0/24" via = "gw" } }'),
    want: [{ code: "config.invalid_ip", at: '"gw"', name: "gw" }],
  },
  {
    name: "a bad record name",
    src: lab('  record { name = "bad_name" ip = "10.0.0.1" }'),
    want: [{ code: "config.invalid_name", at: '"bad_name"', name: "bad_name" }],
  },
  // dependencies and scripts
  {
    name: "a depends_on cycle, printed",
    src: lab(`${vm('    depends_on = ["b"]', "a")}\n${vm('    depends_on = ["c"]', "b")}\n${vm('    depends_on = ["a"]', "c")}`),
    want: [{ code: "config.dependency_cycle", at: '"a"]', name: "a" }],
  },
  { name: "a self-dependency", src: lab(vm('    depends_on = ["box"]')), want: [{ code: "config.dependency_cycle", at: '"box"]', name: "box" }] },
  { name: "depends_on an undeclared VM", src: lab(vm('    depends_on = ["bxo"]')), want: [{ code: "config.unknown_vm", at: '"bxo"', name: "bxo" }] },
  {
    name: "a provision scoped to an undeclared VM",
    src: lab(`${vm("")}\n  provision "scripts/setup.ws" { vms = ["nope"] }`),
    want: [{ code: "config.unknown_vm", at: '"nope"', name: "nope" }],
  },
  {
    name: "a missing provision script",
    src: lab(`${vm("")}\n  provision "scripts/missing.ws" { }`),
    want: [{ code: "config.missing_script", at: '"scripts/missing.ws"', name: "scripts/missing.ws" }],
  },
  {
    name: "a missing handler script",
    src: lab(`  on "vm.crashed" { run = "scripts/none.ws" }`),
    want: [{ code: "config.missing_script", at: '"scripts/none.ws"', name: "scripts/none.ws" }],
  },
  {
    name: "an unknown event",
    src: lab(`  on "vm.crash" { run = "scripts/alert.ws" }`),
    want: [{ code: "config.unknown_event", at: '"vm.crash"', name: "vm.crash" }],
  },
  // files and shares
  {
    name: "a share without a NIC",
    src: lab(vm('    share { host = "./src" guest = "/mnt/src" }')),
    want: [{ code: "config.share_without_nic", at: "share", name: "box" }],
  },
  {
    name: "two shares whose derived names collide",
    src: lab(
      `${vm('    nic { nat = true }\n    share { host = "./src" guest = "/mnt/src" }')}\n${vm('    nic { nat = true }\n    share { host = "./old" guest = "/srv/SRC" }', "two")}`,
    ),
    want: [{ code: "config.duplicate_share_name", at: '"/srv/SRC"', name: "SRC" }],
  },
  {
    name: "a share name SMB cannot serve",
    src: lab(vm('    nic { nat = true }\n    share { host = "./src" guest = "/mnt/src" name = "a b" }')),
    want: [{ code: "config.invalid_share_name", at: '"a b"', name: "a b" }],
  },
  {
    name: "a share of a missing folder",
    src: lab(vm('    nic { nat = true }\n    share { host = "./nope" guest = "/mnt" }')),
    want: [{ code: "config.missing_path", at: '"./nope"', name: "./nope" }],
  },
  {
    name: "a missing cdrom image",
    src: lab(vm('    cdrom = "./isos/none.iso"')),
    want: [{ code: "config.missing_path", at: '"./isos/none.iso"', name: "./isos/none.iso" }],
  },
  {
    name: "a floppy that is a directory",
    src: lab(vm('    floppy = "./drivers"')),
    want: [{ code: "config.missing_path", at: '"./drivers"', name: "./drivers" }],
  },
  {
    name: "a missing media folder",
    src: lab(vm('    media { kind = "iso" from = "./nothing/" }')),
    want: [{ code: "config.missing_path", at: '"./nothing/"', name: "./nothing/" }],
  },
  { name: "a disk with neither size nor from", src: lab(vm('    disk "data" { }')), want: [{ code: "config.disk_size_or_from", at: "disk", name: "data" }] },
  // several errors in one run
  {
    name: "every error in one run, in source order",
    src: lab(`${vm('    cpu = 2\n    nic { segment = "nowhere" }\n    depends_on = ["ghost"]')}\n  vm "b" { template = "debian" }`),
    want: [
      { code: "config.unknown_attribute", at: "cpu", name: "cpu" },
      { code: "config.unknown_segment", at: '"nowhere"', name: "nowhere" },
      { code: "config.unknown_vm", at: '"ghost"', name: "ghost" },
      { code: "config.archless_template_ref", at: '"debian"', name: "debian" },
    ],
  },
];

describe("validate corpus", () => {
  test("holds at least 60 cases", () => {
    expect(VALID.length + INVALID.length).toBeGreaterThanOrEqual(60);
  });
  for (const c of VALID) {
    test(`accepts ${c.name}`, () => {
      expect(check(c.src, c.opts)).toEqual([]);
    });
  }
  for (const c of INVALID) {
    test(`rejects ${c.name}`, () => {
      expect(check(c.src, c.opts)).toEqual(c.want.map((w) => `${w.code}@${where(c.src, w.at)}${w.name === undefined ? "" : ` ${w.name}`}`));
    });
  }
});
