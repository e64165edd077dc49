/**
 * The vmlab schema, defined once, as data.
 *
 * Every block kind a `vmlab.wcl` (and the host `config.wcl`) may contain,
 * with its attributes (type, required flag, description, allowed values and
 * ranges) and child blocks. The same data drives `checkSchema` (unknown or
 * missing attributes, types, ranges, enums) and `schemaMarkdown` (the
 * reference printed by `vmlab schema --markdown` and committed as
 * `docs/schema.md`), so validation and documentation cannot drift apart.
 *
 * Spec: reference/vmlab/fact_schema_reference.md, PRD §5–§9. Plain data was
 * chosen over zod here because the checker must point at WCL source spans
 * and the generator needs slots, labels and examples that zod does not model.
 */

/** Attribute types, named as in the reference. */
export type AttrType = "utf8" | "i64" | "bool" | "std.ByteSize" | "list<utf8>";

export interface AttrSpec {
  readonly name: string;
  readonly type: AttrType;
  readonly required: boolean;
  readonly doc: string;
  /** Supplied as the block's inline label (`vm "dc01" { }`). */
  readonly label?: true;
  /** Allowed string values. */
  readonly oneOf?: readonly string[];
  /** Inclusive integer range. */
  readonly range?: readonly [number, number];
}

export interface ChildSpec {
  /** Name of the slot in the model (`vms`, `nics`, …). */
  readonly slot: string;
  /** Block kind accepted in the slot. */
  readonly kind: string;
  readonly multiple: boolean;
  readonly doc: string;
}

export interface BlockSpec {
  readonly kind: string;
  /** Paragraph printed under the heading (optional). */
  readonly doc?: string;
  readonly attrs: readonly AttrSpec[];
  readonly children: readonly ChildSpec[];
  /** A short worked example (WCL). */
  readonly example: string;
}

const PORT: readonly [number, number] = [1, 65535];

const a = (name: string, type: AttrType, required: boolean, doc: string, extra: Partial<AttrSpec> = {}): AttrSpec => ({ name, type, required, doc, ...extra });

const RECORD: BlockSpec = {
  kind: "record",
  doc: "Static DNS entry (wildcards allowed in name) (§9.5).",
  attrs: [
    a("name", "utf8", true, "DNS name to resolve; wildcards allowed, e.g. `*.internal` (required)"),
    a("ip", "utf8", true, "IPv4 address the name resolves to (required)"),
  ],
  children: [],
  example: 'record { name = "srv" ip = "10.50.0.5" }     // wildcards OK: name = "*.internal"',
};

const SINKHOLE: BlockSpec = {
  kind: "sinkhole",
  doc: 'DNS sinkhole (§9.9): NXDOMAIN by default, or 0.0.0.0 with mode = "zero".',
  attrs: [
    a("pattern", "utf8", true, "DNS name pattern to sink; wildcards allowed (required)"),
    a("mode", "utf8", false, "Response: `nxdomain` (default) \\| `zero` (resolve to 0.0.0.0)", { oneOf: ["nxdomain", "zero"] }),
  ],
  children: [],
  example: 'sinkhole { pattern = "*.telemetry.com" mode = "nxdomain" }   // or mode = "zero"',
};

const MEDIA: BlockSpec = {
  kind: "media",
  doc: "ISO/floppy image built from a folder (§6.3).",
  attrs: [
    a("kind", "utf8", true, "Image kind: `iso` \\| `floppy` (required)", { oneOf: ["iso", "floppy"] }),
    a("from", "utf8", true, "Source folder built into the image; must exist (required)"),
    a("label", "utf8", false, "Volume label for the image"),
  ],
  children: [],
  example: 'media { kind = "iso"    from = "./unattend/" label = "CIDATA" }\nmedia { kind = "floppy" from = "./drivers/"  label = "DRV" }',
};

const PROVISION: BlockSpec = {
  kind: "provision",
  doc: "Provision script run during `vmlab up` (§10.4). Optional vms list scopes the script for depends_on satisfaction (§7.2).",
  attrs: [
    a("script", "utf8", true, "Path to the `.ws` file; must exist and compile; the inline label", { label: true }),
    a("vms", "list<utf8>", false, "VM names this script is scoped to (gates their `depends_on`) (§7.2)"),
  ],
  children: [],
  example:
    'provision "scripts/setup.ws" { }                     // runs on `vmlab up`, in order\nprovision "scripts/join.ws"  { vms = ["client01"] }  // scoped: gates depends_on',
};

const NIC: BlockSpec = {
  kind: "nic",
  doc: "A network interface (§5.2, §9.1).",
  attrs: [
    a("segment", "utf8", false, "Segment name to attach to; required unless `nat = true`"),
    a("nat", "bool", false, "Shorthand: attach to the per-lab built-in NAT segment (§9.7)"),
    a("ip", "utf8", false, "Static IPv4 (becomes a DHCP reservation); must be in the subnet, unique"),
    a("mac", "utf8", false, "Fixed MAC, e.g. `52:54:00:ab:cd:ef`; generated and persisted otherwise"),
    a("isolated", "bool", false, "Port isolation: reach gateway/forwards but not segment neighbours (§9.1)"),
  ],
  children: [],
  example:
    'nic { segment = "corp" ip = "10.50.0.10" mac = "52:54:00:aa:bb:cc" }\nnic { nat = true }                       // per-lab built-in NAT segment shorthand\nnic { segment = "dmz" isolated = true }  // port isolation',
};

const DISK: BlockSpec = {
  kind: "disk",
  doc: "Additional disk (§5.2): blank by size, or pre-formatted from a folder.",
  attrs: [
    a("name", "utf8", true, "Disk identifier; the inline block label", { label: true }),
    a("size", "std.ByteSize", false, "Disk size, e.g. `10GiB`: a blank disk, or with `from` the FAT disk's size; one of `size`/`from` is required"),
    a(
      "from",
      "utf8",
      false,
      "Folder copied onto a fresh FAT filesystem (FAT16, FAT32 above 512 MiB; sized to the content unless `size` is given); one of `size`/`from` is required",
    ),
  ],
  children: [],
  example:
    'disk "data"      { size = 10GiB }         // extra blank disk\ndisk "formatted" { from = "./payload/" }  // folder copied onto a fresh FAT filesystem\ndisk "big"       { from = "./payload/" size = 2GiB }  // FAT32 disk of a given size',
};

const SEGMENT: BlockSpec = {
  kind: "segment",
  doc: "A virtual L2 network segment (§9.2).",
  attrs: [
    a("name", "utf8", true, "Segment name (DNS label); unique per lab; the inline block label", { label: true }),
    a("subnet", "utf8", false, "CIDR; auto-allocated as a /24 from the host pool if omitted (§9.4)"),
    a("global", "bool", false, "Owned by the supervisor and shared across labs (§9.2)"),
    a("dhcp", "bool", false, "Enable DHCP (default true) (§9.4)"),
    a("nat", "bool", false, "Enable NAT/internet egress for this segment (default false) (§9.7)"),
    a("mtu", "i64", false, "Link MTU (576–65535); default jumbo (9000) on nat/global, else 1500", { range: [576, 65535] }),
    a("routes_to", "list<utf8>", false, "Names of other segments to route to — daemon inter-segment routing opt-in (§9.6)"),
  ],
  children: [
    { slot: "dns", kind: "dns", multiple: false, doc: "DNS service override: hand out another server, or opt out (§9.5)" },
    { slot: "connect", kind: "connect", multiple: false, doc: "Cross-host segment peer over TCP (PSK from host config) (§9.2)" },
    { slot: "routes", kind: "route", multiple: true, doc: "Guest routes pushed via DHCP option 121 (§9.6)" },
    { slot: "records", kind: "record", multiple: true, doc: "Static DNS entries for this segment (wildcards allowed) (§9.5)" },
    { slot: "forwards", kind: "forward", multiple: true, doc: "Host→guest port forwards (§9.8)" },
    { slot: "block_rules", kind: "block", multiple: true, doc: "L3 block rules at the switch (§9.9)" },
    { slot: "redirect_rules", kind: "redirect", multiple: true, doc: "L3 DNAT redirect rules (§9.9)" },
    { slot: "sinkholes", kind: "sinkhole", multiple: true, doc: "DNS sinkhole rules (§9.9)" },
  ],
  example:
    'segment "corp" {\n  subnet = "10.50.0.0/24"          // omit to auto-allocate a /24 from the host pool\n  nat    = true                    // internet egress for this segment\n  record { name = "dc01" ip = "10.50.0.10" }\n}',
};

const VM: BlockSpec = {
  kind: "vm",
  doc: "One guest: its template, hardware, NICs, disks, shares and media (§5.2).",
  attrs: [
    a("name", "utf8", true, "VM name (DNS label); unique per lab; the inline block label", { label: true }),
    a("template", "utf8", true, "`<arch>/<name>[@<version>]`, `scratch`, or an OCI registry ref (required)"),
    a("arch", "utf8", false, "Architecture; required for `scratch` and registry references"),
    a("profile", "utf8", false, "Guest OS profile (hardware defaults); required for `scratch`"),
    a("cpus", "i64", false, "vCPU count (> 0); inherited from template→profile if omitted", { range: [1, 1024] }),
    a("memory", "std.ByteSize", false, "RAM as a byte size, e.g. `8GiB`/`512MiB`; inherited if omitted"),
    a("disk", "std.ByteSize", false, "Primary disk size, e.g. `64GiB` — scratch VMs only (rejected on cloned VMs)"),
    a("cdrom", "utf8", false, "Path to an ISO to attach as a CD-ROM (relative to lab root)"),
    a("floppy", "utf8", false, "Path to a floppy image to attach (relative to lab root)"),
    a("depends_on", "list<utf8>", false, "VM names to wait for before this one (no cycles)"),
    a("nested", "bool", false, "Enable nested virtualisation (host CPU passthrough)"),
    a("gui", "bool", false, "Open a VNC viewer on `up` (§11); the VM always runs headless"),
    a("display", "utf8", false, "QEMU display string; inherited from template→profile if omitted"),
    a("firmware", "utf8", false, "Firmware: `ovmf` \\| `seabios`; inherited from template→profile", { oneOf: ["ovmf", "seabios"] }),
    a("tpm", "bool", false, "Enable a TPM 2.0 device; inherited from template→profile"),
    a("secure_boot", "bool", false, "Enable secure boot (OVMF only); inherited from template→profile"),
    a("qemu_args", "list<utf8>", false, "Raw QEMU flags appended last — escape hatch (§5.2)"),
  ],
  children: [
    { slot: "gpu", kind: "gpu", multiple: false, doc: "GPU acceleration (passthrough / virgl / vulkan)" },
    { slot: "nics", kind: "nic", multiple: true, doc: "Network interfaces; no NICs = air-gapped (shares need ≥1 NIC)" },
    { slot: "extra_disks", kind: "disk", multiple: true, doc: "Additional disks beyond the primary disk" },
    { slot: "shares", kind: "share", multiple: true, doc: "SMB shared folders (require ≥1 NIC) (§7.5)" },
    { slot: "media", kind: "media", multiple: true, doc: "ISO/floppy images built from a folder (§6.3)" },
  ],
  example:
    'vm "dc01" {\n  template = "x86_64/windows-2025"\n  cpus     = 4\n  memory   = 8GiB\n  nic   { segment = "corp" ip = "10.50.0.10" }\n  share { host = "./src" guest = "D:\\\\src" }\n}',
};

/** Every block kind, keyed by kind. Kinds reused in several parents (nic, disk, media, provision, record, sinkhole) are one spec. */
export const BLOCKS: ReadonlyMap<string, BlockSpec> = new Map(
  [
    {
      kind: "lab",
      doc: "A lab: VMs plus the virtual networks joining them (§5).",
      attrs: [
        a("name", "utf8", true, "Lab name (DNS label, ≤63 chars); the inline block label", { label: true }),
        a("gui", "bool", false, "Default for all VMs: open a VNC viewer on `up` (§11); VM `gui` overrides"),
      ],
      children: [
        { slot: "segments", kind: "segment", multiple: true, doc: "Virtual L2 network segments in this lab" },
        { slot: "vms", kind: "vm", multiple: true, doc: "The VMs in this lab" },
        { slot: "provisions", kind: "provision", multiple: true, doc: "wscript provision scripts run on `vmlab up`, in declaration order" },
        { slot: "handlers", kind: "on", multiple: true, doc: "Lifecycle event handlers (failures are logged, never fatal)" },
        { slot: "records", kind: "record", multiple: true, doc: "Lab-wide static DNS entries (wildcards allowed) (§9.5)" },
        { slot: "sinkholes", kind: "sinkhole", multiple: true, doc: "Lab-wide DNS sinkholes (§9.9)" },
      ],
      example:
        'lab "demo" {\n  gui = true                       // lab-wide default: show each guest\'s screen\n  vm "box" {\n    template = "x86_64/linux-modern"\n    memory   = 2GiB\n    nic { nat = true }\n  }\n}',
    },
    SEGMENT,
    {
      kind: "dns",
      doc: "DNS service override for a segment (§9.5).",
      attrs: [
        a("server", "utf8", false, "IPv4 of the DNS server to hand out via DHCP instead of the daemon"),
        a("enabled", "bool", false, "Hand out a DNS server at all (default true); false suppresses the DHCP option"),
      ],
      children: [],
      example:
        'dns { server = "10.50.0.10" }      // hand out a DC as the resolver via DHCP\ndns { enabled = false }            // …or suppress DNS on the segment entirely',
    },
    {
      kind: "connect",
      doc: "Cross-host segment link (§9.2): a vmlab peer over an authenticated, encrypted trunk (`host`), or a VXLAN VTEP of a real network (`vxlan` + `vni`, RFC 7348). Exactly one of `host` and `vxlan`.",
      attrs: [
        a("host", "utf8", false, "Peer vmlab `host:port` (its host config `trunk_port`) to bridge this segment with; both hosts need the same `psk`"),
        a("vxlan", "utf8", false, "Remote VTEP `ip[:port]` (port default 4789); VXLAN has no security: keep it on loopback or a private network"),
        a("vni", "i64", false, "VXLAN network identifier (required with `vxlan`)", { range: [0, 16777215] }),
        a("local_port", "i64", false, "Local UDP port of the VXLAN socket (default 4789)", { range: [1, 65535] }),
      ],
      children: [],
      example:
        'connect { host = "helios:7400" }   // bridge this segment to a peer vmlab (psk in the host config)\nconnect { vxlan = "192.168.1.20:4789" vni = 42 }   // …or join a VXLAN of a real network',
    },
    {
      kind: "route",
      doc: "Guest route pushed via DHCP option 121 (§9.6).",
      attrs: [
        a("dest", "utf8", true, "Destination CIDR, e.g. `10.60.0.0/24` (required)"),
        a("via", "utf8", true, "Gateway IPv4 the route points at (required)"),
      ],
      children: [],
      example: 'route { dest = "10.60.0.0/24" via = "10.50.0.254" }   // pushed via DHCP option 121',
    },
    RECORD,
    {
      kind: "forward",
      doc: "Host→guest port forward (§9.8).",
      attrs: [
        a("host_port", "i64", true, "Host port to listen on (1–65535); unique across the lab (required)", { range: PORT }),
        a("to", "utf8", true, "Target as `vm:port`; the VM must be declared (required)"),
        a("proto", "utf8", false, "Protocol: `tcp` (default) \\| `udp` \\| `both`", { oneOf: ["tcp", "udp", "both"] }),
      ],
      children: [],
      example: 'forward { host_port = 13389 to = "dc01:3389" proto = "tcp" }',
    },
    {
      kind: "block",
      doc: "L3 block rule at the switch (§9.9).",
      attrs: [
        a("cidr", "utf8", true, "IPv4 CIDR to drop traffic to/from (required)"),
        a("proto", "utf8", false, "Protocol to scope the rule: `tcp` \\| `udp` \\| `icmp`", { oneOf: ["tcp", "udp", "icmp"] }),
        a("port", "i64", false, "Port to scope the rule (1–65535); requires `proto`", { range: PORT }),
      ],
      children: [],
      example: 'block { cidr = "192.0.2.0/24" proto = "tcp" port = 443 }',
    },
    {
      kind: "redirect",
      doc: "L3 DNAT redirect rule (§9.9).",
      attrs: [
        a("from", "utf8", true, "Match destination as `ip[:port]` (required)"),
        a("to", "utf8", true, "Rewrite destination to `ip[:port]` (required)"),
        a("proto", "utf8", false, "Protocol to scope the rule: `tcp` \\| `udp`", { oneOf: ["tcp", "udp"] }),
      ],
      children: [],
      example: 'redirect { from = "10.50.0.254:53" to = "10.50.0.10:53" proto = "udp" }',
    },
    SINKHOLE,
    VM,
    {
      kind: "gpu",
      doc: "GPU acceleration for a VM (§5.2).",
      attrs: [
        a("mode", "utf8", true, "Mode: `passthrough` \\| `virgl` \\| `vulkan` (required)", { oneOf: ["passthrough", "virgl", "vulkan"] }),
        a("address", "utf8", false, "Host PCI address, e.g. `0000:01:00.0` — required for `passthrough`"),
      ],
      children: [],
      example: 'gpu { mode = "passthrough" address = "0000:01:00.0" }   // or mode = "virgl" | "vulkan"',
    },
    NIC,
    DISK,
    {
      kind: "share",
      doc: "Shared folder (§7.5): SMB at the segment gateway by default, virtiofs on request for Linux guests.",
      attrs: [
        a("host", "utf8", true, "Host directory to share; must exist (required)"),
        a("guest", "utf8", true, "Guest mount path, e.g. `/mnt/src` or `D:\\data` (required)"),
        a("readonly", "bool", false, "Mount read-only (default false)"),
        a("smb1", "bool", false, "Enable the SMB1 dialect + auth relaxation for XP/2003-era guests"),
        a("name", "utf8", false, "SMB share name; derived from the guest path if omitted"),
        a(
          "transport",
          "utf8",
          false,
          "`smb` (default) \\| `virtiofs` (Linux guests; faster, but online snapshots of the VM are refused and `readonly` is enforced by the guest mount only) \\| `auto` (virtiofs for Linux guest paths, SMB for Windows ones)",
          { oneOf: ["smb", "virtiofs", "auto"] },
        ),
      ],
      children: [],
      example:
        'share { host = "./src"  guest = "/mnt/src" }\nshare { host = "~/data" guest = "D:\\\\data" readonly = true }\nshare { host = "./old"  guest = "X:" smb1 = true }   // legacy dialect for XP/2003',
    },
    MEDIA,
    PROVISION,
    {
      kind: "on",
      doc: "Event handler binding (§8.2).",
      attrs: [
        a("event", "utf8", true, "Event name to handle, e.g. `vm.crashed`; the inline block label", { label: true }),
        a("run", "utf8", true, "Path to the handler `.ws` file; must exist and compile (required)"),
      ],
      children: [],
      example: 'on "vm.crashed"    { run = "scripts/collect-dumps.ws" }\non "host.disk_low" { run = "scripts/alert.ws" }',
    },
    {
      kind: "template",
      doc: "Template definition (§6.1), buildable with `vmlab template build`.",
      attrs: [
        a("name", "utf8", true, "Template name, e.g. `linux-modern`; the inline block label", { label: true }),
        a("arch", "utf8", true, "Architecture — selects the QEMU system emulator (required)"),
        a("version", "utf8", true, "Version string, non-empty; name+arch+version is unique (required)"),
        a("registry", "utf8", false, "Full OCI repo to publish to / version-bump against (§6.4)"),
        a("profile", "utf8", false, "Guest OS profile (hardware defaults) for the build VM"),
        a("cpus", "i64", false, "vCPU count for the build VM; inherited by clones", { range: [1, 1024] }),
        a("memory", "std.ByteSize", false, "RAM for the build VM, e.g. `8GiB`; inherited by clones"),
        a("disk", "std.ByteSize", false, "Working disk size for the build, e.g. `64GiB`; required for `scratch` source"),
        a("display", "utf8", false, "QEMU display string for the build VM"),
        a("firmware", "utf8", false, "Firmware: `ovmf` \\| `seabios`", { oneOf: ["ovmf", "seabios"] }),
        a("tpm", "bool", false, "Enable a TPM 2.0 device"),
        a("secure_boot", "bool", false, "Enable secure boot (OVMF only)"),
        a("nested", "bool", false, "Enable nested virtualisation for the build VM"),
        a("gui", "bool", false, "Watch the build VM via a VNC viewer (§11)"),
        a("qemu_args", "list<utf8>", false, "Raw QEMU flags for the build VM — escape hatch (§5.2)"),
        a("first_boot", "utf8", false, "wscript run on first instantiation of a clone, before ready"),
      ],
      children: [
        { slot: "source", kind: "source", multiple: false, doc: "What the build starts from — exactly one of four forms (required)" },
        { slot: "media", kind: "media", multiple: true, doc: "ISO/floppy images attached to the build (§6.3)" },
        { slot: "provisions", kind: "provision", multiple: true, doc: "Provision scripts that drive the build" },
        { slot: "nics", kind: "nic", multiple: true, doc: "NICs for the build VM (optional; the build VM may be air-gapped)" },
        { slot: "extra_disks", kind: "disk", multiple: true, doc: "Additional disks attached during the build" },
      ],
      example:
        'template "linux-modern" {\n  arch    = "x86_64"\n  version = "1.0"\n  profile = "linux-modern"\n  disk    = 20GiB                  // working disk size for the build\n  source "iso" { url = "https://releases.example.org/x.iso" sha256 = "abc123…" }\n  provision "scripts/install.ws" { }\n}',
    },
    {
      kind: "source",
      doc: "Template build source (§6.1): exactly one of the four forms.",
      attrs: [
        a("kind", "utf8", true, "Source kind: `iso` \\| `qcow2` \\| `template` \\| `scratch`; the inline label", {
          label: true,
          oneOf: ["iso", "qcow2", "template", "scratch"],
        }),
        a("path", "utf8", false, "Local file path — `iso`/`qcow2`; mutually exclusive with `url`"),
        a("url", "utf8", false, "Remote artefact URL — `iso`/`qcow2`; requires `sha256`"),
        a("sha256", "utf8", false, "SHA-256 of the remote artefact; required with `url`"),
        a("from", "utf8", false, "Source template `<arch>/<name>[@<version>]` — kind `template` (layered build)"),
      ],
      children: [],
      example:
        'source "iso"      { path = "./isos/win11.iso" }           // local installer ISO\nsource "iso"      { url = "https://example.org/x.iso" sha256 = "…" }  // downloaded + verified\nsource "qcow2"    { path = "./base.qcow2" }               // existing disk as base\nsource "template" { from = "x86_64/linux-modern@1.0" }    // layered build\nsource "scratch"  { }                                     // blank disk',
    },
    {
      kind: "profile",
      doc: "A guest OS profile: named hardware defaults (§5.3). Shipped profiles are built in; `~/.config/vmlab/profiles/*.wcl` overrides or adds. Precedence: VM > template > profile > defaults.",
      attrs: [
        a("name", "utf8", true, "Profile name, e.g. `windows-11`; the inline block label", { label: true }),
        a("machine", "utf8", false, "QEMU machine type, e.g. `q35` or `pc`"),
        a("firmware", "utf8", false, "Firmware: `ovmf` \\| `seabios`", { oneOf: ["ovmf", "seabios"] }),
        a("secure_boot", "bool", false, "Enable secure boot (OVMF only)"),
        a("tpm", "bool", false, "Enable a TPM 2.0 device"),
        a("disk_bus", "utf8", false, "Disk bus: `virtio` \\| `ide` \\| `sata` \\| `scsi`", { oneOf: ["virtio", "ide", "sata", "scsi"] }),
        a("nic", "utf8", false, "NIC model, e.g. `virtio-net-pci` or `e1000`"),
        a("display", "utf8", false, "QEMU display device, e.g. `qxl`, `std`, `virtio-gpu`"),
        a("cpus", "i64", false, "Default vCPU count", { range: [1, 1024] }),
        a("memory", "std.ByteSize", false, "Default RAM, e.g. `4GiB`"),
      ],
      children: [],
      example:
        'profile "windows-11" {\n  machine = "q35"  firmware = "ovmf"  secure_boot = true  tpm = true\n  disk_bus = "virtio"  nic = "virtio-net-pci"  display = "qxl"\n  cpus = 4  memory = 8GiB\n}',
    },
    {
      kind: "host",
      doc: "Host configuration in `~/.config/vmlab/config.wcl` (optional; absent = defaults).",
      attrs: [
        a("subnet_pool", "utf8", false, "Segment auto-allocation pool (CIDR); default `10.213.0.0/16` (§9.4)"),
        a("dns_suffix", "utf8", false, "Suffix for auto-registered VM names; default `vmlab.internal` (§9.5)"),
        a("dns_upstream", "utf8", false, "Upstream resolver `ip[:port]`; default: the host resolver"),
        a("disk_low_percent", "i64", false, "`host.disk_low` watchdog threshold percent (0–100); default 10 (§8.1)", { range: [0, 100] }),
        a(
          "forward_bind",
          "utf8",
          false,
          "Address `forward {}` listeners bind to; default `127.0.0.1` — set `0.0.0.0` to opt in to reaching forwards from other hosts (§9)",
        ),
        a("psk", "utf8", false, "Pre-shared key for cross-host segment links (§9.2); use a long random secret, the same on both hosts"),
        a("trunk_port", "i64", false, "TCP port this host accepts cross-host segment trunks on; unset = accept none", { range: [1, 65535] }),
        a("trunk_bind", "utf8", false, "Address the trunk listener binds to; default `127.0.0.1` — set the interface the peer reaches"),
        a("viewer", "utf8", false, "VNC viewer command; `{}` is replaced by the target (§11)"),
        a("oci_chunk_size", "std.ByteSize", false, "OCI layer chunk size for template push; default `512MiB` (§6.4)"),
        a("insecure_registries", "list<utf8>", false, "Registry hosts (`host[:port]`) reached over plain HTTP; loopback registries always may be (§6.4)"),
      ],
      children: [],
      example:
        'host {\n  subnet_pool      = "10.213.0.0/16"   // segment auto-allocation pool (default shown)\n  dns_suffix       = "vmlab.internal"\n  dns_upstream     = "1.1.1.1"\n  disk_low_percent = 10\n  viewer           = "vncviewer {}"    // {} = target\n  oci_chunk_size   = 512MiB\n}',
    },
  ].map((b) => [b.kind, b] as const),
);

/** Root kinds of a lab file (`vmlab.wcl`) and of the host config file. */
export const LAB_FILE_ROOTS = ["lab", "template"] as const;
export const HOST_FILE_ROOTS = ["host"] as const;

/** The spec of `kind`; every kind named in a ChildSpec exists (tested). */
export function blockSpec(kind: string): BlockSpec | undefined {
  return BLOCKS.get(kind);
}
