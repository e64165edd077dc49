/**
 * The fully resolved description of one QEMU virtual machine.
 *
 * Everything the argv builder needs is here and nothing else: profile,
 * template and VM-level settings have already been merged (VM > template >
 * profile, PRD §7), paths are absolute, and the accelerator has been decided
 * by the probe. Keeping this a plain data type lets `buildArgv` stay a pure
 * function with golden tests.
 */

/** Guest architectures vmlab drives. */
export type Arch = "x86_64" | "aarch64";

/** Accelerators; `kvm` only after the probe has shown it really runs a guest. */
export type Accel = "kvm" | "tcg";

export type DiskInterface = "virtio" | "ide" | "sata" | "nvme" | "scsi";

export interface DiskSpec {
  /** Absolute path to the image (a linked clone for template-backed VMs). */
  readonly path: string;
  readonly format: "qcow2" | "raw";
  readonly interface: DiskInterface;
  readonly readOnly?: boolean;
  /** Lower boots first; undefined leaves the firmware's default order. */
  readonly bootIndex?: number;
  /**
   * The backing image a linked clone must use (the template's disk). QEMU is
   * then told this node explicitly — read-only, itself without backing — so
   * neither the clone's header nor the template's can make it open another
   * file through a backing chain.
   */
  readonly backing?: string;
}

export interface CdromSpec {
  readonly path: string;
  readonly bootIndex?: number;
}

/** A raw floppy image in drive A (unit 0) or B (unit 1). */
export interface FloppySpec {
  readonly path: string;
  readonly readOnly?: boolean;
}

/**
 * Where a NIC's frames go. `stream` connects to the lab daemon's switch port
 * (DESIGN §5: 4-byte big-endian length + Ethernet frame on a unix socket);
 * `user` is QEMU's own slirp, only for tools and benchmarks; `none` leaves the
 * NIC unplugged.
 */
export type NicAttachment = { readonly kind: "stream"; readonly socket: string } | { readonly kind: "user" } | { readonly kind: "none" };

export interface NicSpec {
  /** Stable id used for the netdev/device pair (`net0`, `net1`, …). */
  readonly id: string;
  /** Lower-case colon-separated MAC address. */
  readonly mac: string;
  readonly model: "virtio-net-pci" | "e1000" | "e1000e" | "rtl8139";
  readonly attach: NicAttachment;
}

export type Firmware = { readonly kind: "bios" } | { readonly kind: "uefi"; readonly code: string; readonly vars: string; readonly secureBoot?: boolean };

/** Sockets and files QEMU creates or writes for this VM. */
export interface VmRuntimePaths {
  readonly qmpSocket: string;
  readonly agentSocket: string;
  readonly vncSocket: string;
  readonly serialLog: string;
  readonly pidFile?: string;
}

export interface QemuVmSpec {
  readonly name: string;
  readonly arch: Arch;
  readonly accel: Accel;
  /** QEMU machine type, e.g. `pc` or `q35` (x86_64), `virt` (aarch64). */
  readonly machine: string;
  /** CPU model; undefined picks `host` under KVM and `max` under TCG. */
  readonly cpu?: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly firmware: Firmware;
  /** swtpm control socket when the VM has a TPM 2.0 (core/qemu/swtpm.ts). */
  readonly tpmSocket?: string;
  readonly disks: readonly DiskSpec[];
  readonly cdroms: readonly CdromSpec[];
  /** At most two; q35 gets an ISA floppy controller for them (i440fx has one built in). */
  readonly floppies?: readonly FloppySpec[];
  /** Expose hardware virtualisation to the guest: the host's VMX (Intel) or SVM (AMD) flag. */
  readonly nested?: "vmx" | "svm";
  /** GPU: virgl/vulkan through virtio-vga-gl (EGL headless), or VFIO passthrough of a host PCI address. */
  readonly gpu?: { readonly mode: "passthrough" | "virgl" | "vulkan"; readonly address?: string };
  readonly nics: readonly NicSpec[];
  /** Display adapter; `none` for headless guests without a framebuffer. */
  readonly vga: "std" | "virtio" | "qxl" | "cirrus" | "none";
  /** An absolute-pointer USB tablet so mouse moves map 1:1 to the screen. */
  readonly usbTablet: boolean;
  /**
   * An absolute-pointer virtio tablet (`virtio-tablet-pci`), for guests with virtio
   * input drivers and no USB stack; may be combined with `usbTablet`.
   */
  readonly virtioTablet?: boolean;
  /** A virtio-serial port named `org.qemu.guest_agent.0` for qemu-ga. */
  readonly guestAgent: boolean;
  readonly rtc: "utc" | "localtime";
  readonly paths: VmRuntimePaths;
  /**
   * virtiofs shares (PRD §7.5 opt-in): one vhost-user-fs device per share, each on the
   * socket of its own virtiofsd. Non-empty makes guest RAM a shared memfd backend,
   * which vhost-user needs.
   */
  readonly virtiofs?: readonly { readonly socket: string; readonly tag: string }[];
  /** Start paused (`-S`), e.g. to attach before the firmware runs. */
  readonly startPaused?: boolean;
  /** Passed through verbatim, last; for profile escape hatches. */
  readonly extraArgs?: readonly string[];
}
