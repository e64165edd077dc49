/**
 * The typed lab model handed to the daemon after validation (PRD §5).
 *
 * Each object keeps the source `span` of its block and `at`, the spans of
 * its attribute values by name, so that semantic checks (and later runtime
 * errors) can point at the exact text. Optional attributes are `undefined`
 * when absent — defaults are applied where they are used (profiles,
 * host config), never silently here. Sizes are byte counts.
 */
import type { Span } from "../wcl/mod.ts";

export interface Located {
  /** The whole block. */
  readonly span: Span;
  /** The block's kind keyword (best place for "missing X" errors). */
  readonly kindSpan: Span;
  /** Spans of attribute values (and of the inline label under its attribute name). */
  readonly at: Readonly<Record<string, Span>>;
  /** Spans of individual list elements, by attribute name. */
  readonly items: Readonly<Record<string, readonly Span[]>>;
}

export interface LabConfig {
  /** Absolute path of the lab file. */
  readonly file: string;
  /** Directory holding the lab file: relative paths resolve from here. */
  readonly root: string;
  readonly lab: Lab | undefined;
  readonly templates: readonly TemplateDef[];
}

export interface Lab extends Located {
  readonly name: string;
  readonly gui: boolean | undefined;
  readonly segments: readonly Segment[];
  readonly vms: readonly Vm[];
  readonly provisions: readonly Provision[];
  readonly handlers: readonly Handler[];
  readonly records: readonly DnsRecord[];
  readonly sinkholes: readonly Sinkhole[];
}

export interface Segment extends Located {
  readonly name: string;
  readonly subnet: string | undefined;
  readonly global: boolean | undefined;
  readonly dhcp: boolean | undefined;
  readonly nat: boolean | undefined;
  readonly mtu: number | undefined;
  readonly routesTo: readonly string[];
  readonly dns: (Located & { readonly server: string | undefined; readonly enabled: boolean | undefined }) | undefined;
  readonly connect:
    | (Located & {
        readonly host: string | undefined;
        readonly vxlan: string | undefined;
        readonly vni: number | undefined;
        readonly localPort: number | undefined;
      })
    | undefined;
  readonly routes: readonly (Located & { readonly dest: string; readonly via: string })[];
  readonly records: readonly DnsRecord[];
  readonly forwards: readonly Forward[];
  readonly blockRules: readonly (Located & { readonly cidr: string; readonly proto: string | undefined; readonly port: number | undefined })[];
  readonly redirectRules: readonly (Located & { readonly from: string; readonly to: string; readonly proto: string | undefined })[];
  readonly sinkholes: readonly Sinkhole[];
}

export interface DnsRecord extends Located {
  readonly name: string;
  readonly ip: string;
}
export interface Sinkhole extends Located {
  readonly pattern: string;
  readonly mode: "nxdomain" | "zero" | undefined;
}
export interface Forward extends Located {
  readonly hostPort: number;
  readonly to: string;
  readonly proto: "tcp" | "udp" | "both" | undefined;
}

/** Hardware attributes shared by VMs, templates and profiles (precedence VM > template > profile). */
export interface Hardware {
  readonly cpus: number | undefined;
  readonly memory: number | undefined;
  readonly display: string | undefined;
  readonly firmware: "ovmf" | "seabios" | undefined;
  readonly tpm: boolean | undefined;
  readonly secureBoot: boolean | undefined;
}

export interface Vm extends Located, Hardware {
  readonly name: string;
  readonly template: string;
  readonly arch: string | undefined;
  readonly profile: string | undefined;
  readonly disk: number | undefined;
  readonly cdrom: string | undefined;
  readonly floppy: string | undefined;
  readonly dependsOn: readonly string[];
  readonly nested: boolean | undefined;
  readonly gui: boolean | undefined;
  readonly qemuArgs: readonly string[];
  readonly gpu: (Located & { readonly mode: "passthrough" | "virgl" | "vulkan"; readonly address: string | undefined }) | undefined;
  readonly nics: readonly Nic[];
  readonly extraDisks: readonly ExtraDisk[];
  readonly shares: readonly Share[];
  readonly media: readonly Media[];
}

export interface Nic extends Located {
  readonly segment: string | undefined;
  readonly nat: boolean | undefined;
  readonly ip: string | undefined;
  readonly mac: string | undefined;
  readonly isolated: boolean | undefined;
}
export interface ExtraDisk extends Located {
  readonly name: string;
  readonly size: number | undefined;
  readonly from: string | undefined;
}
export interface Share extends Located {
  readonly host: string;
  readonly guest: string;
  readonly readonly: boolean | undefined;
  readonly smb1: boolean | undefined;
  readonly name: string | undefined;
  readonly transport: "smb" | "virtiofs" | "auto" | undefined;
}
export interface Media extends Located {
  readonly kind: "iso" | "floppy";
  readonly from: string;
  readonly label: string | undefined;
}
export interface Provision extends Located {
  readonly script: string;
  readonly vms: readonly string[];
}
export interface Handler extends Located {
  readonly event: string;
  readonly run: string;
}

export interface TemplateDef extends Located, Hardware {
  readonly name: string;
  readonly arch: string;
  readonly version: string;
  readonly registry: string | undefined;
  readonly profile: string | undefined;
  readonly disk: number | undefined;
  readonly nested: boolean | undefined;
  readonly gui: boolean | undefined;
  readonly qemuArgs: readonly string[];
  readonly firstBoot: string | undefined;
  readonly source: TemplateSource | undefined;
  readonly media: readonly Media[];
  readonly provisions: readonly Provision[];
  readonly nics: readonly Nic[];
  readonly extraDisks: readonly ExtraDisk[];
}

export interface TemplateSource extends Located {
  /** Undefined when the label is not a known kind (already reported). */
  readonly kind: "iso" | "qcow2" | "template" | "scratch" | undefined;
  readonly path: string | undefined;
  readonly url: string | undefined;
  readonly sha256: string | undefined;
  readonly from: string | undefined;
}
