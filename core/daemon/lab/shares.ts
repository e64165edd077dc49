/**
 * Wires the lab's shared folders (core/shares) into the lab daemon (PRD §7.5):
 * smbd is configured when the network opens and `<gateway>:445` on every segment is
 * spliced to it; a VM's shares are mounted through its agent once `up` finds it
 * ready and leased, and again after an online snapshot restore; smbd stops when
 * the network closes. smbd's own output goes to `smbd.log`, its life cycle (start,
 * exit, restart) to the lab log.
 */
import { join } from "node:path";
import { LabShares, type ShareGuest } from "../../shares/mod.ts";
import { BUILTIN_NAT_SEGMENT } from "./fabric.ts";
import type { LabRuntime } from "./lab_runtime.ts";
import type { LabNetwork } from "./network.ts";
import type { VmRuntime } from "./vm_runtime.ts";
import { CodedError } from "../../errors/mod.ts";

/** The SMB port guests map shares on. */
export const SMB_PORT = 445;

/** Creates the lab's `LabShares` and hooks it into the runtime and the network. */
export function wireShares(lab: LabRuntime, network: LabNetwork): LabShares {
  const setpriv = Bun.which("setpriv");
  const shares = new LabShares({
    stateDir: join(lab.ctx.paths.work, "smb"),
    logDir: lab.ctx.paths.logs,
    log: (level, event, message, fields = {}) => lab.ctx.log.write(level, message, { event, ...fields }),
    ...(setpriv ? { wrapper: [setpriv, "--pdeathsig", "KILL", "--"] } : {}),
  });
  const guest = (rt: VmRuntime): ShareGuest => {
    const nic = rt.plan.nics[0];
    const gateway = nic ? network.fabric?.gatewayOf(nic.segment ?? BUILTIN_NAT_SEGMENT) : undefined;
    if (!gateway && (rt.plan.shares ?? []).some((s) => s.transport === "smb"))
      throw new CodedError("share.unavailable", `cannot mount the shares of ${rt.name}: it has no NIC on a running segment`, {
        subject: rt.name,
        hint: "SMB shares are served at the segment gateway: give the VM a nic { … }",
      });
    return {
      gateway: gateway ?? "",
      run: async (program, args, input, timeoutMs) => {
        const m = rt.machine;
        if (!m) throw new Error(`${rt.name} is not running`);
        const r = await (await m.agent()).exec(program, args, { input, timeoutMs });
        const dec = new TextDecoder();
        return { exitCode: r.exitCode, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
      },
    };
  };
  lab.afterReady = async (rt) => {
    // Without an agent nothing can mount them; docs/shares.md has the keyboard recipe.
    if (!rt.plan.agent)
      return lab.ctx.log.write("info", `${rt.name}: no guest agent, its shares are not mounted automatically`, { event: "share.not_mounted", vm: rt.name });
    await shares.mountVm(rt.plan, guest(rt));
  };
  lab.shareStatus = (vm) => shares.status(vm);
  lab.events.subscribe((e) => {
    if (!e.vm) return;
    if (e.type === "vm.stopped" || e.type === "vm.starting") shares.forget(e.vm);
    if (e.type === "snapshot.restored" && e.data.online === true) {
      const rt = lab.vms.get(e.vm);
      if (!rt?.plan.shares?.length) return;
      const forgot = network.fabric?.forgetGuestFlows(e.vm) ?? 0;
      if (forgot) lab.ctx.log.write("info", `${e.vm}: ${forgot} TCP flow(s) from before the restore reset`, { event: "share.flows_reset", vm: e.vm });
      // The guest keeps its mounts across a restore; this mounts what the snapshot lacked.
      void Promise.resolve()
        .then(() => shares.mountVm(rt.plan, guest(rt)))
        .catch((err: unknown) => lab.ctx.log.write("error", (err as Error).message, { event: "share.mount_failed", vm: e.vm }));
    }
  });
  return shares;
}

/** Opens the network, then smbd, and serves `<gateway>:445` from it. */
export async function prepareNetworkWithShares(network: LabNetwork, shares: LabShares, plan: Parameters<LabNetwork["prepare"]>[0]): Promise<void> {
  await network.prepare(plan);
  await shares.prepare(plan);
  network.fabric?.serveGatewayTcp(SMB_PORT, () => shares.target());
}
