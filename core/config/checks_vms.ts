/**
 * Semantic checks of a lab's VMs, provisions and handlers (PRD §5–§7,
 * fact_validate_checks.md): lab/VM names are unique DNS labels; template
 * references are well-formed, carry an arch, and exist in the store (hint:
 * build or pull); registry references and `scratch` need `arch`; `scratch`
 * needs `profile` and `disk`; `disk` is rejected on cloned VMs; profiles
 * exist; passthrough GPUs have a PCI address; secure boot resolves to OVMF
 * firmware (VM > template > profile); shares need a NIC; `depends_on` and
 * provision `vms` name declared VMs and form no cycle (the cycle is printed);
 * handler events are known.
 */
import { didYouMean, error, type Diagnostic, type Span } from "../wcl/mod.ts";
import { KNOWN_ARCHES, parseTemplateRef } from "../store/ref.ts";
import { lookupTemplate } from "../store/lookup.ts";
import type { CheckContext } from "./context.ts";
import type { Lab, LabConfig } from "./model.ts";
import { dnsLabelProblem, isPciAddress } from "./net.ts";
import { resolveHardware } from "./resolve.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { firmwareProblem } from "../qemu/firmware.ts";
import { findSwtpm, SWTPM_PACKAGE } from "../qemu/swtpm.ts";
import { missingSmbPackage } from "../shares/tools.ts";
import { shareChecks, shareTransport } from "./shares.ts";

/** Where Linux lists the host's PCI functions by address. */
const PCI_DEVICES = "/sys/bus/pci/devices";

/** Events a handler can bind (reference/vmlab/fact_events.md). */
export const EVENTS: readonly string[] = [
  "vm.starting",
  "vm.ready",
  "vm.stopped",
  "vm.crashed",
  "vm.io_error",
  "lab.up",
  "lab.down",
  "snapshot.created",
  "snapshot.restored",
  "template.built",
  "lab.daemon_crashed",
  "host.disk_low",
];

export function checkVms(config: LabConfig, lab: Lab, ctx: CheckContext, out: Diagnostic[]): void {
  const labBad = dnsLabelProblem(lab.name);
  if (labBad !== undefined && lab.name !== "")
    out.push(error("config.invalid_name", `lab name "${lab.name}" is not a DNS label: ${labBad}`, lab.at.name ?? lab.kindSpan, { name: lab.name }));
  const seen = new Set<string>();
  const names = lab.vms.map((v) => v.name);
  const profileNames = [...ctx.profiles.keys()];
  for (const vm of lab.vms) {
    const nameAt = vm.at.name ?? vm.kindSpan;
    const bad = dnsLabelProblem(vm.name);
    if (bad !== undefined && vm.name !== "")
      out.push(error("config.invalid_name", `VM name "${vm.name}" is not a DNS label: ${bad}`, nameAt, { name: vm.name }));
    if (seen.has(vm.name))
      out.push(error("config.duplicate_name", `VM "${vm.name}" is declared more than once`, nameAt, { name: vm.name, hint: "VM names are unique per lab" }));
    seen.add(vm.name);

    const tAt = vm.at.template ?? vm.kindSpan;
    if (vm.arch !== undefined && !KNOWN_ARCHES.includes(vm.arch)) {
      out.push(
        error("config.unknown_arch", `unknown architecture "${vm.arch}" on VM "${vm.name}"`, vm.at.arch ?? vm.kindSpan, {
          name: vm.arch,
          hint: didYouMean(vm.arch, KNOWN_ARCHES) ?? `known: ${KNOWN_ARCHES.join(", ")}`,
        }),
      );
    }
    if (vm.profile !== undefined && !ctx.profiles.has(vm.profile)) {
      out.push(
        error("config.unknown_profile", `VM "${vm.name}" uses unknown profile "${vm.profile}"`, vm.at.profile ?? vm.kindSpan, {
          name: vm.profile,
          hint: didYouMean(vm.profile, profileNames) ?? `known profiles: ${profileNames.join(", ")} (add more in ~/.config/vmlab/profiles/)`,
        }),
      );
    }
    let templateLayer: Parameters<typeof resolveHardware>[1];
    if (vm.template !== "") {
      const r = parseTemplateRef(vm.template);
      if (!r.ok) out.push(error(r.code, `VM "${vm.name}": ${r.reason}`, tAt, { name: vm.template, hint: r.hint }));
      else if (r.ref.kind === "scratch") {
        for (const [attr, v] of [
          ["arch", vm.arch],
          ["profile", vm.profile],
          ["disk", vm.disk],
        ] as const) {
          if (v === undefined && vm.at[attr] === undefined)
            out.push(
              error("config.scratch_incomplete", `scratch VM "${vm.name}" needs \`${attr}\``, vm.kindSpan, {
                name: vm.name,
                hint: `a scratch VM inherits nothing: set ${attr} = ${attr === "disk" ? "64GiB" : attr === "arch" ? '"x86_64"' : '"linux-modern"'}`,
              }),
            );
        }
      } else if (r.ref.kind === "registry") {
        if (vm.arch === undefined)
          out.push(
            error("config.registry_ref_needs_arch", `VM "${vm.name}" uses registry reference "${vm.template}" without \`arch\``, tAt, {
              name: vm.template,
              hint: 'add arch = "x86_64" (arch is never inferred)',
            }),
          );
        else if (ctx.store?.pulled !== undefined && !ctx.store.pulled(vm.template, vm.arch)) {
          out.push({
            ...error(
              "config.template_not_pulled",
              `registry template ${vm.template} (${vm.arch}) of VM "${vm.name}" is not in the store yet; \`vmlab up\` will pull it`,
              tAt,
              { name: vm.template, hint: `pull it now: vmlab template pull ${vm.template} --arch ${vm.arch}` },
            ),
            severity: "warning",
          });
        }
      } else {
        const ref = r.ref;
        if (vm.arch !== undefined && vm.arch !== ref.arch)
          out.push(
            error("config.arch_mismatch", `VM "${vm.name}" sets arch "${vm.arch}" but its template is ${r.ref.arch}`, vm.at.arch ?? tAt, { name: vm.arch }),
          );
        if (ctx.store !== undefined) {
          const found = lookupTemplate(ctx.store, ref);
          if (!found.found) {
            const local = config.templates.find((t) => t.name === ref.name && t.arch === ref.arch && (ref.version === undefined || t.version === ref.version));
            const what = ref.version === undefined ? "no version" : `not version ${ref.version}`;
            out.push(
              error(
                "config.template_not_in_store",
                `template ${vm.template} of VM "${vm.name}" is not in the store (${what}${found.available.length ? `; have ${found.available.join(", ")}` : ""})`,
                tAt,
                {
                  name: vm.template,
                  hint: local
                    ? `build it: vmlab template build ${local.name}`
                    : `build it with \`vmlab template build\` or pull it with \`vmlab template pull\``,
                },
              ),
            );
          }
        }
        const local = config.templates.find((t) => t.name === ref.name && t.arch === ref.arch && (ref.version === undefined || t.version === ref.version));
        if (local) templateLayer = local;
      }
      if (r.ok && r.ref.kind !== "scratch" && vm.disk !== undefined) {
        out.push(
          error("config.disk_on_clone", `VM "${vm.name}" sets \`disk\`, but a cloned VM's disk comes from its template`, vm.at.disk ?? vm.kindSpan, {
            name: "disk",
            hint: 'remove it, add an extra disk "name" { size = … }, or use template = "scratch"',
          }),
        );
      }
    }
    if (vm.gpu?.mode === "passthrough") {
      if (vm.gpu.address === undefined)
        out.push(
          error("config.gpu_address_required", `GPU passthrough on VM "${vm.name}" needs a host PCI \`address\``, vm.gpu.kindSpan, {
            name: vm.name,
            hint: 'e.g. address = "0000:01:00.0" (see lspci -D)',
          }),
        );
    }
    if (vm.gpu?.address !== undefined && !isPciAddress(vm.gpu.address)) {
      out.push(
        error("config.invalid_pci_address", `GPU address "${vm.gpu.address}" is not a PCI address`, vm.gpu.at.address ?? vm.gpu.kindSpan, {
          name: vm.gpu.address,
          hint: 'write domain:bus:device.function, e.g. "0000:01:00.0"',
        }),
      );
    } else if (vm.gpu?.mode === "passthrough" && vm.gpu.address !== undefined && !existsSync(join(PCI_DEVICES, vm.gpu.address.toLowerCase()))) {
      out.push({
        ...error(
          "config.gpu_device_not_found",
          `GPU passthrough on VM "${vm.name}": this host has no PCI device ${vm.gpu.address} (up fails here unless it appears)`,
          vm.gpu.at.address ?? vm.gpu.kindSpan,
          { name: vm.gpu.address, hint: "list the host's devices with `lspci -D` (the address needs its domain, e.g. 0000:01:00.0)" },
        ),
        severity: "warning",
      });
    }
    const profile = vm.profile !== undefined ? ctx.profiles.get(vm.profile) : undefined;
    const hw = resolveHardware(vm, templateLayer, profile);
    if (hw.hardware.secureBoot && hw.hardware.firmware !== "ovmf") {
      const at = vm.at.secure_boot ?? vm.at.firmware ?? vm.at.profile ?? vm.kindSpan;
      out.push(
        error(
          "config.secure_boot_needs_ovmf",
          `VM "${vm.name}" enables secure boot (from ${hw.from.secureBoot}) with ${hw.hardware.firmware} firmware (from ${hw.from.firmware})`,
          at,
          { name: vm.name, hint: 'secure boot needs firmware = "ovmf"' },
        ),
      );
    } else {
      out.push(
        ...hostFirmwareChecks(vm.name, hw, vm.at.firmware ?? vm.at.secure_boot ?? vm.at.profile ?? vm.kindSpan, vm.at.tpm ?? vm.at.profile ?? vm.kindSpan),
      );
    }
    if (vm.shares.some((s) => shareTransport(s) === "smb") && vm.nics.length === 0) {
      out.push(
        error("config.share_without_nic", `VM "${vm.name}" declares shares but has no NIC`, vm.shares[0]?.kindSpan ?? vm.kindSpan, {
          name: vm.name,
          hint: "shares are served over SMB: add a nic { … }",
        }),
      );
    }
    vm.dependsOn.forEach((d, i) => {
      const at = vm.items.depends_on?.[i] ?? vm.kindSpan;
      if (d === vm.name) out.push(error("config.dependency_cycle", `VM "${vm.name}" depends on itself`, at, { name: d }));
      else if (!names.includes(d))
        out.push(error("config.unknown_vm", `VM "${vm.name}" depends on undeclared VM "${d}"`, at, { name: d, hint: didYouMean(d, names) }));
    });
  }
  checkCycles(lab, out);
  out.push(...shareChecks(lab));
  const firstShare = lab.vms.flatMap((v) => v.shares.filter((s) => shareTransport(s) === "smb").map((s) => ({ vm: v.name, s })))[0];
  const missing = firstShare ? missingSmbPackage() : undefined;
  if (firstShare && missing) {
    out.push(
      error(
        "config.missing_host_package",
        `VM "${firstShare.vm}" declares shared folders, which are served by smbd, but ${missing} is not installed`,
        firstShare.s.kindSpan,
        { name: missing, hint: `install the host packages: apt-get install samba libnss-wrapper` },
      ),
    );
  }
  for (const p of lab.provisions) {
    p.vms.forEach((v, i) => {
      if (!names.includes(v))
        out.push(
          error("config.unknown_vm", `provision "${p.script}" is scoped to undeclared VM "${v}"`, p.items.vms?.[i] ?? p.kindSpan, {
            name: v,
            hint: didYouMean(v, names),
          }),
        );
    });
  }
  for (const h of lab.handlers) {
    if (h.event !== "" && !EVENTS.includes(h.event)) {
      out.push(
        error("config.unknown_event", `unknown event "${h.event}"`, h.at.event ?? h.kindSpan, {
          name: h.event,
          hint: didYouMean(h.event, EVENTS) ?? `events: ${EVENTS.join(", ")}`,
        }),
      );
    }
  }
}

/**
 * Host packages the resolved hardware needs: OVMF for `firmware = "ovmf"`
 * (the secure-boot build for `secure_boot`), swtpm for `tpm = true`. Shared
 * by VMs and template builds.
 */
export function hostFirmwareChecks(name: string, hw: ReturnType<typeof resolveHardware>, fwAt: Span, tpmAt: Span): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (hw.hardware.firmware === "ovmf") {
    const p = firmwareProblem("ovmf", hw.hardware.secureBoot);
    if (p)
      out.push(
        error("config.missing_host_package", `"${name}" needs ${p.message} (firmware from ${hw.from.firmware})`, fwAt, {
          name: p.package,
          hint: `install the host package: apt-get install ${p.package}`,
        }),
      );
  }
  if (hw.hardware.tpm && findSwtpm() === undefined) {
    out.push(
      error("config.missing_host_package", `"${name}" asks for a TPM (from ${hw.from.tpm}), but swtpm is not installed`, tpmAt, {
        name: SWTPM_PACKAGE,
        hint: `install the host package: apt-get install ${SWTPM_PACKAGE}`,
      }),
    );
  }
  return out;
}

/** Report each `depends_on` cycle once, printed as `a → b → a`, at the edge that closes it. */
function checkCycles(lab: Lab, out: Diagnostic[]): void {
  const byName = new Map(lab.vms.map((v) => [v.name, v]));
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, "active");
    stack.push(name);
    const vm = byName.get(name);
    vm?.dependsOn.forEach((d, i) => {
      if (d === name || !byName.has(d)) return;
      const s = state.get(d);
      if (s === "active") {
        const cycle = [...stack.slice(stack.indexOf(d)), d];
        out.push(
          error("config.dependency_cycle", `depends_on cycle: ${cycle.join(" → ")}`, vm.items.depends_on?.[i] ?? vm.kindSpan, {
            name: d,
            hint: "remove one of these dependencies",
          }),
        );
      } else if (s === undefined) visit(d);
    });
    stack.pop();
    state.set(name, "done");
  };
  for (const v of lab.vms) if (!state.has(v.name)) visit(v.name);
}
