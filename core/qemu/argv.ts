/**
 * The QEMU command line for a resolved VM, as a pure function.
 *
 * Contract: `buildArgv(spec)` returns the full argv (binary first) and never
 * touches the file system or the environment, so the same spec always yields
 * the same line (golden-tested in `argv.test.ts`). Option values that embed
 * user-controlled strings (paths, names) are escaped for QEMU's option parser,
 * where a comma must be doubled.
 *
 * Device choices (DESIGN §5): `-nodefaults` so nothing appears that the spec
 * did not ask for, `-display none` plus a VNC server on a unix socket for the
 * screen, QMP on a unix socket, the guest agent on a virtio-serial port backed
 * by a unix socket (QEMU is the server), serial console to a log file, one
 * `-netdev stream` per NIC into the lab daemon's switch.
 */
import type { DiskSpec, NicSpec, QemuVmSpec } from "./spec.ts";

/** The qemu-system binary name for an architecture. */
export function qemuBinary(arch: QemuVmSpec["arch"]): string {
  return `qemu-system-${arch}`;
}

/** Escape a value for QEMU's `key=value,key=value` option syntax. */
export function qemuOptValue(value: string): string {
  return value.replaceAll(",", ",,");
}

function defaultCpu(spec: QemuVmSpec): string {
  const base = spec.cpu ?? (spec.accel === "kvm" ? "host" : "max");
  return spec.nested ? `${base},+${spec.nested}` : base;
}

/** QEMU's action on a failed disk write: pause the VM (resumable once space is freed). */
export const DISK_WRITE_ERROR_ACTION = "stop";
/** QEMU's action on a failed disk read: the guest sees the error. */
export const DISK_READ_ERROR_ACTION = "report";

/**
 * A pinned backing node: the template's disk, read-only, with `backing: null`
 * so a backing file named in its header is never opened (issue #19 item 2).
 */
function backingNode(path: string, nodeName: string): string {
  return JSON.stringify({
    driver: "qcow2",
    "node-name": nodeName,
    "read-only": true,
    file: { driver: "file", filename: path, "read-only": true },
    backing: null,
  });
}

function diskArgs(d: DiskSpec, index: number): string[] {
  const id = `disk${index}`;
  const drive = [`file=${qemuOptValue(d.path)}`, `format=${d.format}`, "if=none", `id=${id}`, "cache=writeback", "discard=unmap"];
  if (d.readOnly) drive.push("readonly=on");
  // A failed write (ENOSPC on the host, EIO) pauses the guest with a BLOCK_IO_ERROR event instead
  // of handing it a corrupt disk; the lab daemon marks the VM `io-error`. Reads report to the guest.
  else drive.push(`werror=${DISK_WRITE_ERROR_ACTION}`, `rerror=${DISK_READ_ERROR_ACTION}`);

  const base = d.backing === undefined ? [] : ["-blockdev", backingNode(d.backing, `${id}-base`)];
  if (d.backing !== undefined) drive.push(`backing=${id}-base`);
  const boot = d.bootIndex === undefined ? "" : `,bootindex=${d.bootIndex}`;
  switch (d.interface) {
    case "virtio":
      return [...base, "-drive", drive.join(","), "-device", `virtio-blk-pci,drive=${id}${boot}`];
    case "ide":
      return [...base, "-drive", drive.join(","), "-device", `ide-hd,drive=${id}${boot}`];
    case "sata":
      return [...base, "-drive", drive.join(","), "-device", `ide-hd,drive=${id},bus=ahci0.${index}${boot}`];
    case "nvme":
      return [...base, "-drive", drive.join(","), "-device", `nvme,drive=${id},serial=vmlab${index}${boot}`];
    case "scsi":
      return [...base, "-drive", drive.join(","), "-device", `scsi-hd,drive=${id},bus=scsi0.0${boot}`];
    default: {
      const never: never = d.interface;
      throw new Error(`Cannot build QEMU argv: unknown disk interface ${String(never)}`);
    }
  }
}

/** QEMU arguments that attach the swtpm behind `socket` as a TIS TPM 2.0 (core/qemu/swtpm.ts). */
function tpmArgs(socket: string): string[] {
  return ["-chardev", `socket,id=chrtpm,path=${qemuOptValue(socket)}`, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-tis,tpmdev=tpm0"];
}

/** GPU devices: VFIO passthrough of a host PCI function, or a virgl/venus virtio-vga-gl rendered headless. */
function gpuArgs(g: NonNullable<QemuVmSpec["gpu"]>): string[] {
  switch (g.mode) {
    case "passthrough":
      return ["-device", `vfio-pci,host=${qemuOptValue(g.address ?? "")}`];
    case "virgl":
      return ["-device", "virtio-vga-gl"];
    case "vulkan":
      return ["-device", "virtio-vga-gl,blob=true,hostmem=256M,venus=true"];
    default: {
      const never: never = g.mode;
      throw new Error(`Cannot build QEMU argv: unknown GPU mode ${String(never)}`);
    }
  }
}

function nicArgs(n: NicSpec): string[] {
  const netdevId = `${n.id}`;
  let netdev: string;
  switch (n.attach.kind) {
    case "stream":
      netdev = `stream,id=${netdevId},server=off,addr.type=unix,addr.path=${qemuOptValue(n.attach.socket)}`;
      break;
    case "user":
      netdev = `user,id=${netdevId}`;
      break;
    case "none":
      return ["-device", `${n.model},mac=${n.mac},id=dev-${n.id}`];
    default: {
      const never: never = n.attach;
      throw new Error(`Cannot build QEMU argv: unknown NIC attachment ${JSON.stringify(never)}`);
    }
  }
  return ["-netdev", netdev, "-device", `${n.model},netdev=${netdevId},mac=${n.mac},id=dev-${n.id}`];
}

/** Build the full argv (binary first) for one VM. */
export function buildArgv(spec: QemuVmSpec): string[] {
  const a: string[] = [qemuBinary(spec.arch)];
  a.push("-name", `${qemuOptValue(spec.name)},debug-threads=on`);
  a.push("-nodefaults", "-no-user-config");
  const vfs = spec.virtiofs ?? [];
  // vhost-user-fs maps guest RAM into virtiofsd: RAM must be a shared memfd.
  a.push("-machine", vfs.length ? `${spec.machine},memory-backend=mem0` : spec.machine, "-accel", spec.accel);
  if (vfs.length) a.push("-object", `memory-backend-memfd,id=mem0,size=${spec.memoryMiB}M,share=on`);
  a.push("-cpu", defaultCpu(spec));
  a.push("-smp", String(spec.cpus), "-m", `${spec.memoryMiB}M`);
  a.push("-rtc", `base=${spec.rtc}`);

  if (spec.firmware.kind === "uefi") {
    a.push("-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${qemuOptValue(spec.firmware.code)}`);
    a.push("-drive", `if=pflash,format=raw,unit=1,file=${qemuOptValue(spec.firmware.vars)}`);
  }

  if (spec.disks.some((d) => d.interface === "sata")) a.push("-device", "ahci,id=ahci0");
  if (spec.disks.some((d) => d.interface === "scsi")) a.push("-device", "virtio-scsi-pci,id=scsi0");
  spec.disks.forEach((d, i) => a.push(...diskArgs(d, i)));
  spec.cdroms.forEach((c, i) => {
    const id = `cd${i}`;
    a.push("-drive", `file=${qemuOptValue(c.path)},format=raw,if=none,id=${id},media=cdrom,readonly=on`);
    a.push("-device", `ide-cd,drive=${id}${c.bootIndex === undefined ? "" : `,bootindex=${c.bootIndex}`}`);
  });

  if (spec.tpmSocket) a.push(...tpmArgs(spec.tpmSocket));
  if (spec.gpu) a.push(...gpuArgs(spec.gpu));

  const floppies = spec.floppies ?? [];
  if (floppies.length > 2) throw new Error("Cannot build QEMU argv: at most two floppy drives");
  if (floppies.length && spec.machine.includes("q35")) a.push("-device", "isa-fdc,id=fdc0");
  floppies.forEach((f, i) => {
    a.push("-drive", `file=${qemuOptValue(f.path)},format=raw,if=none,id=fd${i}${f.readOnly ? ",readonly=on" : ""}`);
    a.push("-device", `floppy,unit=${i},drive=fd${i}`);
  });

  for (const n of spec.nics) a.push(...nicArgs(n));
  vfs.forEach((v, i) => {
    a.push("-chardev", `socket,id=vfs${i},path=${qemuOptValue(v.socket)}`);
    a.push("-device", `vhost-user-fs-pci,chardev=vfs${i},tag=${qemuOptValue(v.tag)}`);
  });

  if (spec.guestAgent) {
    a.push("-chardev", `socket,id=qga0,path=${qemuOptValue(spec.paths.agentSocket)},server=on,wait=off`);
    a.push("-device", "virtio-serial-pci,id=vser0");
    a.push("-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0");
  }

  a.push("-qmp", `unix:${qemuOptValue(spec.paths.qmpSocket)},server=on,wait=off`);
  // A GL GPU renders off-screen (EGL headless) and is the only display adapter.
  const gl = spec.gpu !== undefined && spec.gpu.mode !== "passthrough";
  a.push("-display", gl ? "egl-headless" : "none");
  if (spec.vga !== "none") {
    a.push("-vga", gl ? "none" : spec.vga);
    a.push("-vnc", `unix:${qemuOptValue(spec.paths.vncSocket)}`);
  }
  if (spec.usbTablet) a.push("-device", "qemu-xhci,id=xhci0", "-device", "usb-tablet,bus=xhci0.0");
  if (spec.virtioTablet) a.push("-device", "virtio-tablet-pci,id=vtablet0");
  a.push("-serial", `file:${qemuOptValue(spec.paths.serialLog)}`);
  if (spec.paths.pidFile) a.push("-pidfile", spec.paths.pidFile);
  if (spec.startPaused) a.push("-S");
  if (spec.extraArgs) a.push(...spec.extraArgs);
  return a;
}
