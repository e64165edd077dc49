/**
 * Extract the typed model (model.ts) from an evaluated lab document.
 *
 * Contract: runs after `checkSchema`; it never reports anything itself.
 * Values of the wrong type are treated as absent (their diagnostic already
 * exists) and absent required strings become `""`, so the semantic checks
 * can still run over everything else in the same pass.
 */
import type { DocBlock, Document, Span, Value } from "../wcl/mod.ts";
import type {
  DnsRecord,
  ExtraDisk,
  Forward,
  Handler,
  LabConfig,
  Lab,
  Located,
  Media,
  Nic,
  Provision,
  Segment,
  Share,
  Sinkhole,
  TemplateDef,
  TemplateSource,
  Vm,
} from "./model.ts";

/** Typed attribute access over one block, remembering spans. */
export class Fields {
  private readonly values = new Map<string, Value>();
  readonly at: Record<string, Span> = {};
  readonly items: Record<string, Span[]> = {};

  constructor(
    readonly block: DocBlock,
    label?: string,
  ) {
    for (const a of block.attrs) {
      this.values.set(a.name, a.value);
      this.at[a.name] = a.value.span;
      if (a.value.kind === "list") this.items[a.name] = a.value.items.map((i) => i.span);
    }
    if (label !== undefined) {
      const l: Value | undefined = block.id !== undefined ? { kind: "string", value: block.id, span: block.kindSpan } : block.args[0];
      if (l !== undefined && !this.values.has(label)) {
        this.values.set(label, l);
        this.at[label] = l.span;
      }
    }
  }
  str(name: string): string | undefined {
    const v = this.values.get(name);
    return v?.kind === "string" ? v.value : undefined;
  }
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const s = this.str(name);
    return allowed.find((a) => a === s);
  }
  int(name: string): number | undefined {
    const v = this.values.get(name);
    return v?.kind === "int" ? v.value : undefined;
  }
  bool(name: string): boolean | undefined {
    const v = this.values.get(name);
    return v?.kind === "bool" ? v.value : undefined;
  }
  bytes(name: string): number | undefined {
    const v = this.values.get(name);
    return v?.kind === "bytes" && v.value > 0 ? v.value : undefined;
  }
  strs(name: string): string[] {
    const v = this.values.get(name);
    return v?.kind === "list" ? v.items.flatMap((i) => (i.kind === "string" ? [i.value] : [])) : [];
  }
  located(): Located {
    return { span: this.block.span, kindSpan: this.block.kindSpan, at: this.at, items: this.items };
  }
}

const children = (b: DocBlock, kind: string) => b.blocks.filter((c) => c.kind === kind);

export function extractConfig(doc: Document, file: string, root: string): LabConfig {
  const labBlock = doc.blocks.find((b) => b.kind === "lab");
  return { file, root, lab: labBlock ? lab(labBlock) : undefined, templates: doc.blocks.filter((b) => b.kind === "template").map(template) };
}

function lab(b: DocBlock): Lab {
  const f = new Fields(b, "name");
  return {
    ...f.located(),
    name: f.str("name") ?? "",
    gui: f.bool("gui"),
    segments: children(b, "segment").map(segment),
    vms: children(b, "vm").map(vm),
    provisions: children(b, "provision").map(provision),
    handlers: children(b, "on").map(handler),
    records: children(b, "record").map(record),
    sinkholes: children(b, "sinkhole").map(sinkhole),
  };
}

function segment(b: DocBlock): Segment {
  const f = new Fields(b, "name");
  const dnsB = children(b, "dns")[0];
  const conB = children(b, "connect")[0];
  return {
    ...f.located(),
    name: f.str("name") ?? "",
    subnet: f.str("subnet"),
    global: f.bool("global"),
    dhcp: f.bool("dhcp"),
    nat: f.bool("nat"),
    mtu: f.int("mtu"),
    routesTo: f.strs("routes_to"),
    dns: dnsB
      ? (() => {
          const d = new Fields(dnsB);
          return { ...d.located(), server: d.str("server"), enabled: d.bool("enabled") };
        })()
      : undefined,
    connect: conB
      ? (() => {
          const c = new Fields(conB);
          return { ...c.located(), host: c.str("host"), vxlan: c.str("vxlan"), vni: c.int("vni"), localPort: c.int("local_port") };
        })()
      : undefined,
    routes: children(b, "route").map((r) => {
      const x = new Fields(r);
      return { ...x.located(), dest: x.str("dest") ?? "", via: x.str("via") ?? "" };
    }),
    records: children(b, "record").map(record),
    forwards: children(b, "forward").map(forward),
    blockRules: children(b, "block").map((r) => {
      const x = new Fields(r);
      return { ...x.located(), cidr: x.str("cidr") ?? "", proto: x.str("proto"), port: x.int("port") };
    }),
    redirectRules: children(b, "redirect").map((r) => {
      const x = new Fields(r);
      return { ...x.located(), from: x.str("from") ?? "", to: x.str("to") ?? "", proto: x.str("proto") };
    }),
    sinkholes: children(b, "sinkhole").map(sinkhole),
  };
}

function record(b: DocBlock): DnsRecord {
  const f = new Fields(b);
  return { ...f.located(), name: f.str("name") ?? "", ip: f.str("ip") ?? "" };
}
function sinkhole(b: DocBlock): Sinkhole {
  const f = new Fields(b);
  return { ...f.located(), pattern: f.str("pattern") ?? "", mode: f.oneOf("mode", ["nxdomain", "zero"] as const) };
}
function forward(b: DocBlock): Forward {
  const f = new Fields(b);
  return { ...f.located(), hostPort: f.int("host_port") ?? 0, to: f.str("to") ?? "", proto: f.oneOf("proto", ["tcp", "udp", "both"] as const) };
}

function hardware(f: Fields) {
  return {
    cpus: f.int("cpus"),
    memory: f.bytes("memory"),
    display: f.str("display"),
    firmware: f.oneOf("firmware", ["ovmf", "seabios"] as const),
    tpm: f.bool("tpm"),
    secureBoot: f.bool("secure_boot"),
  };
}

function vm(b: DocBlock): Vm {
  const f = new Fields(b, "name");
  const gpuB = children(b, "gpu")[0];
  return {
    ...f.located(),
    ...hardware(f),
    name: f.str("name") ?? "",
    template: f.str("template") ?? "",
    arch: f.str("arch"),
    profile: f.str("profile"),
    disk: f.bytes("disk"),
    cdrom: f.str("cdrom"),
    floppy: f.str("floppy"),
    dependsOn: f.strs("depends_on"),
    nested: f.bool("nested"),
    gui: f.bool("gui"),
    qemuArgs: f.strs("qemu_args"),
    gpu: gpuB
      ? (() => {
          const g = new Fields(gpuB);
          return { ...g.located(), mode: g.oneOf("mode", ["passthrough", "virgl", "vulkan"] as const) ?? "virgl", address: g.str("address") };
        })()
      : undefined,
    nics: children(b, "nic").map(nic),
    extraDisks: children(b, "disk").map(disk),
    shares: children(b, "share").map(share),
    media: children(b, "media").map(media),
  };
}

function nic(b: DocBlock): Nic {
  const f = new Fields(b);
  return { ...f.located(), segment: f.str("segment"), nat: f.bool("nat"), ip: f.str("ip"), mac: f.str("mac"), isolated: f.bool("isolated") };
}
function disk(b: DocBlock): ExtraDisk {
  const f = new Fields(b, "name");
  return { ...f.located(), name: f.str("name") ?? "", size: f.bytes("size"), from: f.str("from") };
}
function share(b: DocBlock): Share {
  const f = new Fields(b);
  return {
    ...f.located(),
    host: f.str("host") ?? "",
    guest: f.str("guest") ?? "",
    readonly: f.bool("readonly"),
    smb1: f.bool("smb1"),
    name: f.str("name"),
    transport: f.oneOf("transport", ["smb", "virtiofs", "auto"] as const),
  };
}
function media(b: DocBlock): Media {
  const f = new Fields(b);
  return { ...f.located(), kind: f.oneOf("kind", ["iso", "floppy"] as const) ?? "iso", from: f.str("from") ?? "", label: f.str("label") };
}
function provision(b: DocBlock): Provision {
  const f = new Fields(b, "script");
  return { ...f.located(), script: f.str("script") ?? "", vms: f.strs("vms") };
}
function handler(b: DocBlock): Handler {
  const f = new Fields(b, "event");
  return { ...f.located(), event: f.str("event") ?? "", run: f.str("run") ?? "" };
}

function template(b: DocBlock): TemplateDef {
  const f = new Fields(b, "name");
  const srcB = children(b, "source")[0];
  return {
    ...f.located(),
    ...hardware(f),
    name: f.str("name") ?? "",
    arch: f.str("arch") ?? "",
    version: f.str("version") ?? "",
    registry: f.str("registry"),
    profile: f.str("profile"),
    disk: f.bytes("disk"),
    nested: f.bool("nested"),
    gui: f.bool("gui"),
    qemuArgs: f.strs("qemu_args"),
    firstBoot: f.str("first_boot"),
    source: srcB ? source(srcB) : undefined,
    media: children(b, "media").map(media),
    provisions: children(b, "provision").map(provision),
    nics: children(b, "nic").map(nic),
    extraDisks: children(b, "disk").map(disk),
  };
}

function source(b: DocBlock): TemplateSource {
  const f = new Fields(b, "kind");
  return {
    ...f.located(),
    kind: f.oneOf("kind", ["iso", "qcow2", "template", "scratch"] as const),
    path: f.str("path"),
    url: f.str("url"),
    sha256: f.str("sha256"),
    from: f.str("from"),
  };
}
