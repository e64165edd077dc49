import { describe, expect, test } from "bun:test";
import { buildArgv, qemuOptValue } from "./argv.ts";
import type { QemuVmSpec } from "./spec.ts";

const paths = {
  qmpSocket: "/run/vmlab/lab/web.qmp",
  agentSocket: "/run/vmlab/lab/web.qga",
  vncSocket: "/run/vmlab/lab/web.vnc",
  serialLog: "/state/lab/web.serial.log",
};

const base: QemuVmSpec = {
  name: "web",
  arch: "x86_64",
  accel: "tcg",
  machine: "pc",
  cpus: 2,
  memoryMiB: 512,
  firmware: { kind: "bios" },
  disks: [{ path: "/data/lab/web/disk.qcow2", format: "qcow2", interface: "virtio", bootIndex: 0 }],
  cdroms: [],
  nics: [{ id: "net0", mac: "52:54:00:12:34:56", model: "virtio-net-pci", attach: { kind: "stream", socket: "/run/vmlab/lab/sw-lan.sock" } }],
  vga: "std",
  usbTablet: false,
  guestAgent: true,
  rtc: "utc",
  paths,
};

describe("buildArgv()", () => {
  test("builds the full line for a BIOS guest on one stream NIC", () => {
    expect(buildArgv(base).join(" ")).toBe(
      [
        "qemu-system-x86_64 -name web,debug-threads=on -nodefaults -no-user-config -machine pc -accel tcg -cpu max -smp 2 -m 512M -rtc base=utc",
        "-drive file=/data/lab/web/disk.qcow2,format=qcow2,if=none,id=disk0,cache=writeback,discard=unmap,werror=stop,rerror=report -device virtio-blk-pci,drive=disk0,bootindex=0",
        "-netdev stream,id=net0,server=off,addr.type=unix,addr.path=/run/vmlab/lab/sw-lan.sock -device virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56,id=dev-net0",
        "-chardev socket,id=qga0,path=/run/vmlab/lab/web.qga,server=on,wait=off -device virtio-serial-pci,id=vser0 -device virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0",
        "-qmp unix:/run/vmlab/lab/web.qmp,server=on,wait=off -display none -vga std -vnc unix:/run/vmlab/lab/web.vnc -serial file:/state/lab/web.serial.log",
      ].join(" "),
    );
  });

  test("a linked clone gets its template pinned as a read-only backing node without a backing of its own", () => {
    const a = buildArgv({ ...base, disks: [{ ...base.disks[0]!, backing: "/store/t/disk.qcow2" }] });
    const i = a.indexOf("-blockdev");
    expect(JSON.parse(a[i + 1]!)).toEqual({
      driver: "qcow2",
      "node-name": "disk0-base",
      "read-only": true,
      file: { driver: "file", filename: "/store/t/disk.qcow2", "read-only": true },
      backing: null,
    });
    expect(a[a.indexOf("-drive", i) + 1]).toBe(
      "file=/data/lab/web/disk.qcow2,format=qcow2,if=none,id=disk0,cache=writeback,discard=unmap,werror=stop,rerror=report,backing=disk0-base",
    );
  });

  test("virtiofs shares get a shared memfd RAM backend and one vhost-user-fs device each", () => {
    const a = buildArgv({ ...base, virtiofs: [{ socket: "/run/a-vfs0.sock", tag: "src" }] });
    expect(a[a.indexOf("-machine") + 1]).toBe(`${base.machine},memory-backend=mem0`);
    expect(a).toContain(`memory-backend-memfd,id=mem0,size=${base.memoryMiB}M,share=on`);
    expect(a).toContain("socket,id=vfs0,path=/run/a-vfs0.sock");
    expect(a).toContain("vhost-user-fs-pci,chardev=vfs0,tag=src");
    expect(buildArgv(base).join(" ")).not.toContain("memory-backend");
  });

  test("uses -cpu host under KVM unless a CPU model is given", () => {
    expect(buildArgv({ ...base, accel: "kvm" })).toContain("host");
    const a = buildArgv({ ...base, accel: "kvm", cpu: "Skylake-Client" });
    expect(a[a.indexOf("-cpu") + 1]).toBe("Skylake-Client");
  });

  test("adds pflash drives for UEFI firmware", () => {
    const a = buildArgv({ ...base, machine: "q35", firmware: { kind: "uefi", code: "/usr/share/OVMF/OVMF_CODE.fd", vars: "/d/web/vars.fd" } }).join(" ");
    expect(a).toContain(
      "-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd -drive if=pflash,format=raw,unit=1,file=/d/web/vars.fd",
    );
  });

  test("adds the controllers that SATA and SCSI disks need, once", () => {
    const a = buildArgv({
      ...base,
      disks: [
        { path: "/a.qcow2", format: "qcow2", interface: "sata" },
        { path: "/b.qcow2", format: "qcow2", interface: "sata" },
        { path: "/c.raw", format: "raw", interface: "scsi", readOnly: true },
      ],
    }).join(" ");
    expect(a.match(/-device ahci,id=ahci0/g)?.length).toBe(1);
    expect(a).toContain("-device ide-hd,drive=disk1,bus=ahci0.1");
    expect(a).toContain("-device virtio-scsi-pci,id=scsi0");
    expect(a).toContain("file=/c.raw,format=raw,if=none,id=disk2,cache=writeback,discard=unmap,readonly=on");
  });

  test("attaches CD-ROMs read-only with their boot index", () => {
    const a = buildArgv({ ...base, cdroms: [{ path: "/iso/seed.iso", bootIndex: 1 }] }).join(" ");
    expect(a).toContain("-drive file=/iso/seed.iso,format=raw,if=none,id=cd0,media=cdrom,readonly=on -device ide-cd,drive=cd0,bootindex=1");
  });

  test("attaches floppies as drives A and B; q35 gets an ISA floppy controller, pc has its own", () => {
    const pc = buildArgv({ ...base, machine: "pc", floppies: [{ path: "/m/a,b.img", readOnly: true }, { path: "/m/c.img" }] }).join(" ");
    expect(pc).toContain("-drive file=/m/a,,b.img,format=raw,if=none,id=fd0,readonly=on -device floppy,unit=0,drive=fd0");
    expect(pc).toContain("-drive file=/m/c.img,format=raw,if=none,id=fd1 -device floppy,unit=1,drive=fd1");
    expect(pc).not.toContain("isa-fdc");
    const q35 = buildArgv({ ...base, machine: "q35", floppies: [{ path: "/m/a.img" }] }).join(" ");
    expect(q35).toContain("-device isa-fdc,id=fdc0 -drive file=/m/a.img");
    expect(() => buildArgv({ ...base, floppies: [{ path: "/1" }, { path: "/2" }, { path: "/3" }] })).toThrow("at most two floppy drives");
  });

  test("leaves an unplugged NIC without a netdev", () => {
    const a = buildArgv({ ...base, nics: [{ id: "net0", mac: "52:54:00:00:00:01", model: "e1000", attach: { kind: "none" } }] });
    expect(a.join(" ")).toContain("-device e1000,mac=52:54:00:00:00:01,id=dev-net0");
    expect(a).not.toContain("-netdev");
  });

  test("omits VGA and VNC for headless guests, the agent port when disabled", () => {
    const a = buildArgv({ ...base, vga: "none", guestAgent: false });
    expect(a).not.toContain("-vnc");
    expect(a).not.toContain("-vga");
    expect(a.join(" ")).not.toContain("guest_agent");
  });

  test("doubles commas in user-controlled paths so QEMU cannot split them", () => {
    expect(qemuOptValue("/tmp/a,b")).toBe("/tmp/a,,b");
    const a = buildArgv({ ...base, disks: [{ path: "/x,format=raw/d.qcow2", format: "qcow2", interface: "virtio" }] }).join(" ");
    expect(a).toContain("file=/x,,format=raw/d.qcow2,format=qcow2");
  });

  test("adds a USB tablet, -S and extra args last when asked", () => {
    const a = buildArgv({ ...base, usbTablet: true, startPaused: true, extraArgs: ["-device", "virtio-rng-pci"] });
    expect(a.join(" ")).toContain("-device qemu-xhci,id=xhci0 -device usb-tablet,bus=xhci0.0");
    expect(a.slice(-3)).toEqual(["-S", "-device", "virtio-rng-pci"]);
  });

  test("adds a virtio tablet after the USB one when asked", () => {
    expect(buildArgv({ ...base, virtioTablet: true }).join(" ")).toBe(
      buildArgv(base).join(" ").replace(" -serial ", " -device virtio-tablet-pci,id=vtablet0 -serial "),
    );
    const both = buildArgv({ ...base, usbTablet: true, virtioTablet: true }).join(" ");
    expect(both).toContain("-device usb-tablet,bus=xhci0.0 -device virtio-tablet-pci,id=vtablet0 -serial ");
  });

  test("picks the emulator binary from the architecture", () => {
    expect(buildArgv({ ...base, arch: "aarch64", machine: "virt" })[0]).toBe("qemu-system-aarch64");
  });

  test("a TPM is an emulator tpmdev on swtpm's socket behind a TIS device", () => {
    const a = buildArgv({ ...base, tpmSocket: "/run/vmlab/lab/web.tpm" }).join(" ");
    expect(a).toContain("-chardev socket,id=chrtpm,path=/run/vmlab/lab/web.tpm -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0");
  });

  test("nested adds the host's virtualisation flag to the CPU model", () => {
    const a = buildArgv({ ...base, accel: "kvm", nested: "vmx" });
    expect(a[a.indexOf("-cpu") + 1]).toBe("host,+vmx");
  });

  test("GPU passthrough is a vfio-pci device; virgl renders headless as the only display adapter", () => {
    expect(buildArgv({ ...base, gpu: { mode: "passthrough", address: "0000:01:00.0" } }).join(" ")).toContain("-device vfio-pci,host=0000:01:00.0");
    const v = buildArgv({ ...base, gpu: { mode: "virgl" } }).join(" ");
    expect(v).toContain("-device virtio-vga-gl");
    expect(v).toContain("-display egl-headless -vga none -vnc");
  });
});
