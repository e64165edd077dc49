/**
 * Host configuration: `~/.config/vmlab/config.wcl` (`$XDG_CONFIG_HOME`
 * respected by the caller via store/paths.ts), concept_host_config.md.
 *
 * Contract: an absent file means all defaults; a present one is checked
 * against the `host` block schema plus address syntax, and every problem is
 * returned as a diagnostic — a broken host config never throws.
 */
import { readSourceFile } from "./source_file.ts";
import { join } from "node:path";
import { configDir } from "../paths.ts";
import { error, evaluateSource, type Diagnostic } from "../wcl/mod.ts";
import { checkSchema, HOST_FILE } from "./check_schema.ts";
import { Fields } from "./extract.ts";
import { isCidr, parseCidr, parseHostPort, parseIPv4 } from "./net.ts";

export interface HostConfig {
  readonly subnetPool: string;
  readonly dnsSuffix: string;
  /** Undefined: use the host's resolver. */
  readonly dnsUpstream: string | undefined;
  readonly diskLowPercent: number;
  /** Listen address of port forwards; 127.0.0.1 unless the user opts in to bind wider. */
  readonly forwardBind: string;
  readonly psk: string | undefined;
  /** TCP port cross-host trunks are accepted on; undefined = do not listen. */
  readonly trunkPort: number | undefined;
  /** Address the trunk listener binds to (default 127.0.0.1). */
  readonly trunkBind: string;
  /** Undefined: no viewer configured. `{}` in the command is the target. */
  readonly viewer: string | undefined;
  readonly ociChunkSize: number;
  /** Registry hosts (`host[:port]`) spoken to over plain HTTP; loopback ones always may. */
  readonly insecureRegistries: readonly string[];
}

export const DEFAULT_HOST_CONFIG: HostConfig = {
  subnetPool: "10.213.0.0/16",
  dnsSuffix: "vmlab.internal",
  dnsUpstream: undefined,
  diskLowPercent: 10,
  forwardBind: "127.0.0.1",
  psk: undefined,
  trunkPort: undefined,
  trunkBind: "127.0.0.1",
  viewer: undefined,
  ociChunkSize: 512 * 1024 * 1024,
  insecureRegistries: [],
};

export interface HostConfigResult {
  readonly config: HostConfig;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

/** Parse host config text (undefined = file absent → defaults). */
export function loadHostConfig(text: string | undefined, path: string): HostConfigResult {
  if (text === undefined) return { config: DEFAULT_HOST_CONFIG, diagnostics: [], sources: new Map() };
  const r = evaluateSource(text, path);
  const diagnostics: Diagnostic[] = [...r.diagnostics, ...checkSchema(r.document, HOST_FILE)];
  const block = r.document.blocks.find((b) => b.kind === "host");
  if (block === undefined) return { config: DEFAULT_HOST_CONFIG, diagnostics, sources: r.document.sources };
  const f = new Fields(block);
  const d = DEFAULT_HOST_CONFIG;
  const pool = f.str("subnet_pool");
  if (pool !== undefined) {
    const c = parseCidr(pool);
    if (!isCidr(c))
      diagnostics.push(error("config.invalid_cidr", `subnet_pool: ${c.reason}`, f.at.subnet_pool ?? block.kindSpan, { name: pool, hint: c.hint }));
    else if (c.prefix > 24)
      diagnostics.push(
        error("config.invalid_cidr", `subnet_pool "${pool}" cannot hold a /24 segment`, f.at.subnet_pool ?? block.kindSpan, {
          name: pool,
          hint: "use /24 or shorter, e.g. 10.213.0.0/16",
        }),
      );
  }
  const up = f.str("dns_upstream");
  if (up !== undefined) {
    const hp = parseHostPort(up);
    if (hp === undefined || parseIPv4(hp.host) === undefined)
      diagnostics.push(error("config.invalid_address", `dns_upstream "${up}" is not ip[:port]`, f.at.dns_upstream ?? block.kindSpan, { name: up }));
  }
  const bind = f.str("forward_bind");
  if (bind !== undefined && parseIPv4(bind) === undefined) {
    diagnostics.push(
      error("config.invalid_address", `forward_bind "${bind}" is not an IPv4 address`, f.at.forward_bind ?? block.kindSpan, {
        name: bind,
        hint: "use 127.0.0.1 (default) or 0.0.0.0 to listen on every interface",
      }),
    );
  }
  const trunkBind = f.str("trunk_bind");
  if (trunkBind !== undefined && parseIPv4(trunkBind) === undefined) {
    diagnostics.push(
      error("config.invalid_address", `trunk_bind "${trunkBind}" is not an IPv4 address`, f.at.trunk_bind ?? block.kindSpan, {
        name: trunkBind,
        hint: "use 127.0.0.1 (default), the address of the interface the peer reaches, or 0.0.0.0",
      }),
    );
  }
  const config: HostConfig = {
    subnetPool: pool ?? d.subnetPool,
    dnsSuffix: f.str("dns_suffix") ?? d.dnsSuffix,
    dnsUpstream: up ?? d.dnsUpstream,
    diskLowPercent: f.int("disk_low_percent") ?? d.diskLowPercent,
    forwardBind: bind !== undefined && parseIPv4(bind) !== undefined ? bind : d.forwardBind,
    psk: f.str("psk") ?? d.psk,
    trunkPort: ((p) => (p !== undefined && p >= 1 && p <= 65_535 ? p : d.trunkPort))(f.int("trunk_port")),
    trunkBind: trunkBind !== undefined && parseIPv4(trunkBind) !== undefined ? trunkBind : d.trunkBind,
    viewer: f.str("viewer") ?? d.viewer,
    ociChunkSize: f.bytes("oci_chunk_size") ?? d.ociChunkSize,
    insecureRegistries: f.strs("insecure_registries"),
  };
  return { config, diagnostics, sources: r.document.sources };
}

/** The host config file's path: `$XDG_CONFIG_HOME/vmlab/config.wcl`. */
export function hostConfigPath(): string {
  return join(configDir(), "config.wcl");
}

/** Read and check the host config file (absent = defaults); never throws. */
export function readHostConfig(path = hostConfigPath()): HostConfigResult & { readonly path: string } {
  const r = readSourceFile(path);
  return { ...loadHostConfig("text" in r ? r.text : undefined, path), path };
}
