/**
 * Capacity checks (issue #19 item 10): what `validate` can tell before
 * anything starts about labs that cannot fit.
 *
 *  - A declared subnet must hold every NIC declared on its segment: a
 *    subnet of 2^(32-p) addresses has 2^(32-p) − 3 for guests (the network
 *    and broadcast addresses, and the gateway, which is also the DHCP and DNS
 *    server). Static reservations are NICs too, so they count once.
 *  - `memory` and `cpus` of a VM or a template build: an error above what
 *    QEMU can start (`QEMU_MAX_MEMORY_BYTES`, `QEMU_MAX_CPUS`), a warning
 *    above the host's RAM or CPU count when the host is known
 *    (`CheckContext.host`; absent in pure tests).
 */
import { error, type Diagnostic, type Span } from "../wcl/mod.ts";
import type { CheckContext } from "./context.ts";
import type { Hardware, Lab, LabConfig, Located } from "./model.ts";
import { isCidr, parseCidr } from "./net.ts";

/** Addresses of a subnet guests cannot have: network, broadcast, gateway (DHCP + DNS). */
export const SUBNET_RESERVED_ADDRESSES = 3;

/**
 * The largest guest RAM QEMU's default machines address: x86_64 (`pc`,
 * `q35`) and aarch64 (`virt`) default to a 40-bit guest physical address
 * space, 1 TiB, which RAM and the device holes must share.
 */
export const QEMU_MAX_MEMORY_BYTES = 2 ** 40;

/** vCPUs QEMU 7.2 starts per arch: `pc` allows 255 (`q35` 288 only with KVM's x2APIC); `virt` with GICv3 512. */
export const QEMU_MAX_CPUS: Readonly<Record<string, number>> = { x86_64: 255, aarch64: 512 };

function warning(code: string, message: string, span: Span, extra: { name?: string; hint?: string } = {}): Diagnostic {
  return { ...error(code, message, span, extra), severity: "warning" };
}

function gib(n: number): string {
  const g = n / 2 ** 30;
  return `${Number.isInteger(g) ? g : g.toFixed(1)} GiB`;
}

export function checkCapacity(config: LabConfig, ctx: CheckContext, out: Diagnostic[]): void {
  if (config.lab) checkSubnets(config.lab, out);
  for (const vm of config.lab?.vms ?? []) checkHardware(`VM "${vm.name}"`, vm, vm.arch ?? archOfRef(vm.template), ctx, out);
  for (const t of config.templates) checkHardware(`template "${t.name}"`, t, t.arch, ctx, out);
}

function archOfRef(ref: string): string | undefined {
  const slash = ref.indexOf("/");
  return slash > 0 && !ref.includes(":") ? ref.slice(0, slash) : undefined;
}

function checkSubnets(lab: Lab, out: Diagnostic[]): void {
  for (const s of lab.segments) {
    if (s.subnet === undefined) continue;
    const c = parseCidr(s.subnet);
    if (!isCidr(c) || c.prefix > 30) continue; // reported by checkNetwork
    const room = c.size - SUBNET_RESERVED_ADDRESSES;
    const nics = lab.vms.reduce((n, vm) => n + vm.nics.filter((nic) => nic.segment === s.name).length, 0);
    if (nics > room) {
      const need = Math.max(0, 32 - Math.ceil(Math.log2(nics + SUBNET_RESERVED_ADDRESSES)));
      out.push(
        error(
          "config.subnet_too_small",
          `subnet ${s.subnet} of segment "${s.name}" has room for ${room} guest address${room === 1 ? "" : "es"}, but ${nics} NICs are declared on it`,
          s.at.subnet ?? s.kindSpan,
          {
            name: s.name,
            hint: `use a /${need} or shorter (the network, broadcast and gateway addresses are not for guests)`,
          },
        ),
      );
    }
  }
}

function checkHardware(what: string, hw: Hardware & Located, arch: string | undefined, ctx: CheckContext, out: Diagnostic[]): void {
  if (hw.memory !== undefined) {
    const at = hw.at.memory ?? hw.kindSpan;
    if (hw.memory > QEMU_MAX_MEMORY_BYTES) {
      out.push(
        error("config.memory_too_large", `${what} asks for ${gib(hw.memory)} of memory, more than QEMU can give a guest (${gib(QEMU_MAX_MEMORY_BYTES)})`, at, {
          name: "memory",
          hint: "give the VM at most the host's RAM",
        }),
      );
    } else if (ctx.host !== undefined && hw.memory > ctx.host.memoryBytes) {
      out.push(
        warning("config.memory_over_host", `${what} asks for ${gib(hw.memory)} of memory, more than this host has (${gib(ctx.host.memoryBytes)})`, at, {
          name: "memory",
          hint: "the guest may fail to start or swap heavily",
        }),
      );
    }
  }
  if (hw.cpus !== undefined) {
    const at = hw.at.cpus ?? hw.kindSpan;
    const max = QEMU_MAX_CPUS[arch ?? "x86_64"] ?? QEMU_MAX_CPUS.x86_64 ?? 255;
    if (hw.cpus > max) {
      out.push(
        error("config.cpus_too_many", `${what} asks for ${hw.cpus} vCPUs, more than QEMU starts for ${arch ?? "x86_64"} (${max})`, at, {
          name: "cpus",
          hint: `use at most ${max}`,
        }),
      );
    } else if (ctx.host !== undefined && hw.cpus > ctx.host.cpus) {
      out.push(
        warning("config.cpus_over_host", `${what} asks for ${hw.cpus} vCPUs, more than this host's ${ctx.host.cpus} CPUs`, at, {
          name: "cpus",
          hint: "vCPUs beyond the host's CPUs only add contention",
        }),
      );
    }
  }
}
