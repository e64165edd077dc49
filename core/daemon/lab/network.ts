/**
 * The lab daemon's network: owns the lab's `LabFabric` and is the
 * `NicAttacher` the lifecycle uses, so VM code never sees the fabric.
 *
 * `prepare(plan)` opens the fabric (segments, DHCP, DNS, NAT, forwards)
 * before the first VM of an `up` starts; NICs are then attached through it.
 * A fabric that is already open keeps running for later `up`s (a changed
 * network section takes effect after `down`). `release()` closes it —
 * sockets, forwards, and the lab's entries in the host-wide subnet registry.
 * Fabric errors users can cause (a host port already taken, a subnet in use,
 * an exhausted pool) become `CodedError`s naming the port, forward or segment.
 */
import type { NicAttachment } from "../../qemu/spec.ts";
import { CodedError } from "../../errors/mod.ts";
import { labRunDir } from "../paths.ts";
import type { LabPlan, NicPlan, VmPlan } from "../protocol.ts";
import type { JsonLog, NicAttacher } from "./context.ts";
import { LabFabric, type FabricStatus } from "./fabric.ts";
import { readHostConfig } from "../../config/host.ts";

export class LabNetwork implements NicAttacher {
  #fabric: LabFabric | undefined;

  constructor(
    readonly lab: string,
    readonly log: JsonLog,
  ) {}

  get fabric(): LabFabric | undefined {
    return this.#fabric;
  }

  async prepare(plan: LabPlan): Promise<void> {
    if (this.#fabric) return;
    const fabric = new LabFabric({
      lab: this.lab,
      runDir: labRunDir(this.lab),
      network: plan.network ?? {},
      // The PSK is read here, in the daemon, from the host config: it never travels in the plan.
      trunks: (() => {
        const h = readHostConfig().config;
        return { psk: h.psk, port: h.trunkPort, bind: h.trunkBind };
      })(),
      log: (r) => {
        const { level, event, message, ...fields } = r;
        this.log.write(level, message, { event, ...fields });
      },
    });
    try {
      await fabric.open();
    } catch (e) {
      await fabric.close().catch(() => undefined);
      throw e;
    }
    this.#fabric = fabric;
  }

  async attach(vm: VmPlan, index: number, nic: NicPlan, mac: string): Promise<NicAttachment> {
    if (!this.#fabric) throw new CodedError("internal", `the network of lab ${this.lab} is not open`);
    return await this.#fabric.attach(vm, index, nic, mac);
  }

  async detach(vm: VmPlan, index: number, attachment?: NicAttachment): Promise<void> {
    await this.#fabric?.detach(vm, index, attachment);
  }

  vmIps(vm: string): string[] {
    return this.#fabric?.vmIps(vm) ?? [];
  }

  status(): FabricStatus | undefined {
    return this.#fabric?.status();
  }

  async release(): Promise<void> {
    const f = this.#fabric;
    this.#fabric = undefined;
    await f?.close();
  }
}
