import { describe, expect, test } from "bun:test";
import { compileScript, runProvision } from "./run.ts";
import { FakeLab, FakeSegment, FakeVm } from "./testing/fake_lab.ts";

/** Compile `body` as the inside of `fn main(lab: Lab)` and run it against `lab`. */
async function run(body: string, lab: FakeLab, helpers = "") {
  const s = compileScript("/lab/scripts/t.ws", { source: `use vmlab\n${helpers}\nfn main(lab: Lab) {\n${body}\n}\n` });
  if (!s.ok) throw new Error(s.rendered);
  const r = await runProvision(s.unit, lab);
  if (!r.ok) throw new Error(r.error);
  return lab.logs;
}

const lab2 = () => new FakeLab("demo", "/lab", [new FakeVm("dc01"), new FakeVm("ws01")], [new FakeSegment("corp"), new FakeSegment("dmz")]);

describe("Lab", () => {
  test("lab.name(), lab.log() and lab.vms() reach the handle", async () => {
    const lab = lab2();
    expect(await run(`lab.log("lab " + lab.name())\nfor v in lab.vms() { lab.log(v.name() + " " + v.state()) }`, lab)).toEqual([
      "lab demo",
      "dc01 running",
      "ws01 running",
    ]);
  });

  test("lab.vm() of an unknown name is Err listing the VMs there are", async () => {
    const lab = lab2();
    expect(await run(`match lab.vm("nope") { Ok(_) => lab.log("found"), Err(e) => lab.log(e) }`, lab)).toEqual([
      "Cannot find VM 'nope' in lab demo (it has 'dc01', 'ws01')",
    ]);
  });

  test("lab.vm() twice yields the same Vm", async () => {
    const lab = lab2();
    expect(await run(`let a = lab.vm("dc01").unwrap()\nlet b = lab.vm("dc01").unwrap()\nlab.log(str(same(a, b)))`, lab)).toEqual(["true"]);
  });

  test("lab.segment() of an undeclared segment is Err", async () => {
    const lab = lab2();
    expect(await run(`match lab.segment("lan") { Ok(_) => lab.log("found"), Err(e) => lab.log(e) }`, lab)).toEqual([
      "Cannot find segment 'lan' in lab demo: it is not declared in vmlab.wcl",
    ]);
  });

  test("println lines go to the lab log by default", async () => {
    const lab = lab2();
    expect(await run(`println("one")\nlab.log("two")\nprintln("three")`, lab)).toEqual(["one", "two", "three"]);
  });
});

describe("Vm", () => {
  test("exec returns an ExecResult and uses the 120 s default timeout", async () => {
    const lab = lab2();
    const vm = lab.vmList[0] as FakeVm;
    vm.execResult = { exitCode: 3, stdout: "out", stderr: "err" };
    expect(
      await run(
        `let vm = lab.vm("dc01").unwrap()\nlet r = vm.exec("ls", ["-l", "/"]).unwrap()\nlab.log(fmt("{} {} {}", r.exit_code, r.stdout, r.stderr))\nlet t = vm.exec_timeout("ls", [], 5).unwrap()`,
        lab,
      ),
    ).toEqual(["3 out err"]);
    expect(vm.calls).toEqual(['exec ["ls",["-l","/"],120000]', 'exec ["ls",[],5000]']);
  });

  test("copy_to and copy_from resolve host paths against the lab root", async () => {
    const lab = lab2();
    const vm = lab.vmList[0] as FakeVm;
    await run(
      `let vm = lab.vm("dc01").unwrap()\nvm.copy_to("files/a.txt", "/tmp/a.txt").unwrap()\nvm.copy_from("/etc/hostname", "/abs/out.txt").unwrap()`,
      lab,
    );
    expect(vm.calls).toEqual(['copyTo ["/lab/files/a.txt","/tmp/a.txt"]', 'copyFrom ["/etc/hostname","/abs/out.txt"]']);
  });

  test("a failing handle call is Err with its message and hint", async () => {
    const lab = lab2();
    const vm = lab.vmList[0] as FakeVm;
    vm.fail.set("waitReady", { message: "Cannot reach the guest agent of VM dc01", hint: "is qemu-ga installed?" });
    expect(await run(`match lab.vm("dc01").unwrap().wait_ready(30) { Ok(_) => lab.log("ready"), Err(e) => lab.log(e) }`, lab)).toEqual([
      "Cannot reach the guest agent of VM dc01 — hint: is qemu-ga installed?",
    ]);
    expect(vm.calls).toEqual(["waitReady [30000]"]);
  });

  test("out-of-range arguments are Err naming the argument, and the handle is not called", async () => {
    const lab = lab2();
    const vm = lab.vmList[0] as FakeVm;
    const logs = await run(
      `let vm = lab.vm("dc01").unwrap()
match vm.wait_ready(-1) { Ok(_) => {}, Err(e) => lab.log(e) }
match vm.wait_for_image_opts("a.png", 10, 1.5, []) { Ok(_) => {}, Err(e) => lab.log(e) }
match vm.ocr_region([1, 2, 3]) { Ok(_) => {}, Err(e) => lab.log(e) }
match vm.mouse_move(-5, 0) { Ok(_) => {}, Err(e) => lab.log(e) }
match vm.copy_to("a", "") { Ok(_) => {}, Err(e) => lab.log(e) }`,
      lab,
    );
    expect(logs).toEqual([
      "Cannot wait for VM dc01 to be ready: timeout_secs = -1 is out of range (0..86400)",
      "Cannot wait for image a.png on VM dc01: threshold = 1.5 must be in (0, 1]",
      "Cannot read the screen of VM dc01: region must be [x, y, w, h] or [], got 3 elements",
      "Cannot move the mouse on VM dc01: x = -5 is out of range (0..65535)",
      "Cannot copy a to  on VM dc01: the guest path is empty",
    ]);
    expect(vm.calls).toEqual([]);
  });

  test("lifecycle, ip and readiness calls map one to one", async () => {
    const lab = lab2();
    const vm = lab.vmList[0] as FakeVm;
    const logs = await run(
      `let vm = lab.vm("dc01").unwrap()
vm.start().unwrap()
vm.stop().unwrap()
vm.stop_force().unwrap()
vm.restart().unwrap()
vm.suspend().unwrap()
vm.resume().unwrap()
vm.wait_shutdown(2).unwrap()
lab.log(str(vm.is_ready()))
lab.log(vm.ip().unwrap())
match vm.ip_nic(3) { Ok(ip) => lab.log(ip), Err(e) => lab.log(e) }`,
      lab,
    );
    expect(logs).toEqual(["true", "10.213.0.10", "VM dc01 has no NIC 3"]);
    expect(vm.calls).toEqual([
      "start []",
      "stop []",
      "stopForce []",
      "restart []",
      "suspend []",
      "resume []",
      "waitShutdown [2000]",
      "isReady []",
      "ip [0]",
      "ip [3]",
    ]);
  });

  test("input calls pass keys, text, pacing and coordinates through", async () => {
    const lab = lab2();
    const vm = lab.vmList[0] as FakeVm;
    await run(
      `let vm = lab.vm("dc01").unwrap()
vm.send_keys("ctrl-alt-del").unwrap()
vm.type_text("root\\n").unwrap()
vm.type_text_paced("pw", 80).unwrap()
vm.mouse_move(100, 200).unwrap()
vm.mouse_click("left").unwrap()
vm.mouse_drag(1, 2, 3, 4).unwrap()`,
      lab,
    );
    expect(vm.calls).toEqual([
      'sendKeys ["ctrl-alt-del"]',
      'typeText ["root\\n"]',
      'typeText ["pw",80]',
      "mouseMove [100,200]",
      'mouseClick ["left"]',
      "mouseDrag [1,2,3,4]",
    ]);
  });

  test("screen calls return Match values and resolve images against the lab root", async () => {
    const lab = lab2();
    const vm = lab.vmList[0] as FakeVm;
    const logs = await run(
      `let vm = lab.vm("dc01").unwrap()
let m = vm.wait_for_image("images/ok.png", 60).unwrap()
lab.log(fmt("{} {} {} {} {} {} {}", m.x, m.y, m.w, m.h, m.cx, m.cy, m.score))
match vm.find_image("images/ok.png").unwrap() { Some(h) => lab.log("hit " + str(h.cx)), None => lab.log("none") }
let o = vm.wait_for_image_opts("/abs/b.png", 5, 0.8, [0, 0, 640, 480]).unwrap()
let a = vm.wait_for_any(["a.png", "b.png"], 7).unwrap()
lab.log(vm.ocr().unwrap())
let r = vm.ocr_region([1, 2, 3, 4]).unwrap()
lab.log(vm.wait_for_text("log.n", 9).unwrap().text)
lab.log(vm.screenshot("").unwrap())
lab.log(vm.screenshot("shots/x.png").unwrap())`,
      lab,
    );
    expect(logs).toEqual(["10 20 30 40 25 40 0.97", "hit 25", "login:", "login:", "/lab/.vmlab/screenshots/auto.png", "/lab/shots/x.png"]);
    expect(vm.calls).toEqual([
      'waitForImage ["/lab/images/ok.png",{"timeoutMs":60000,"threshold":0.9}]',
      'findImage ["/lab/images/ok.png",{}]',
      'waitForImage ["/abs/b.png",{"timeoutMs":5000,"threshold":0.8,"region":{"x":0,"y":0,"w":640,"h":480}}]',
      'waitForAny [["/lab/a.png","/lab/b.png"],{"timeoutMs":7000}]',
      "ocr [null]",
      'ocr [{"x":1,"y":2,"w":3,"h":4}]',
      'waitForText ["log.n",{"timeoutMs":9000}]',
      "screenshot [null]",
      'screenshot ["/lab/shots/x.png"]',
    ]);
  });

  test("find_image with no hit is Ok(None)", async () => {
    const lab = lab2();
    (lab.vmList[0] as FakeVm).match = undefined;
    expect(
      await run(`match lab.vm("dc01").unwrap().find_image("x.png") { Ok(Some(_)) => lab.log("hit"), Ok(None) => lab.log("none"), Err(e) => lab.log(e) }`, lab),
    ).toEqual(["none"]);
  });

  test("snapshot methods take, list, restore and delete", async () => {
    const lab = lab2();
    const vm = lab.vmList[0] as FakeVm;
    const logs = await run(
      `let vm = lab.vm("dc01").unwrap()
vm.snapshot("base").unwrap()
vm.snapshot("later").unwrap()
lab.log(str(vm.snapshots().unwrap()))
vm.restore("base").unwrap()
vm.delete_snapshot("later").unwrap()`,
      lab,
    );
    expect(logs).toEqual(['["base", "later"]']);
    expect(vm.calls.slice(3)).toEqual(['restore ["base"]', 'deleteSnapshot ["later"]']);
  });
});

describe("Segment", () => {
  test("rule methods return ids and bools, rules() is JSON text", async () => {
    const lab = lab2();
    const seg = lab.segments[0] as FakeSegment;
    const logs = await run(
      `let s = lab.segment("corp").unwrap()
let a = s.dns_set("db.corp", "10.0.0.5").unwrap()
let b = s.dns_sinkhole("*.ads.example").unwrap()
let c = s.block("10.9.0.0/16").unwrap()
let d = s.block_port("10.9.0.1", "TCP", 445).unwrap()
let e = s.redirect("1.2.3.4:80", "10.0.0.5:8080").unwrap()
let f = s.forward(8080, "dc01", 80).unwrap()
lab.log(fmt("{} {} {} {} {} {}", a, b, c, d, e, f))
lab.log(str(s.dns_clear(a).unwrap()) + " " + str(s.unblock(99).unwrap()))
lab.log(s.name() + " " + str(s.rules().unwrap().len() > 10))`,
      lab,
    );
    expect(logs).toEqual(["1 2 3 4 5 6", "true false", "corp true"]);
    expect(seg.calls).toContain('blockPort ["10.9.0.1","tcp",445]');
  });

  test("block_port rejects an unknown protocol and a port out of range", async () => {
    const lab = lab2();
    const logs = await run(
      `let s = lab.segment("corp").unwrap()
match s.block_port("10.0.0.1", "sctp", 1) { Ok(_) => {}, Err(e) => lab.log(e) }
match s.forward(0, "dc01", 80) { Ok(_) => {}, Err(e) => lab.log(e) }`,
      lab,
    );
    expect(logs).toEqual([
      'Cannot block sctp port 1 of 10.0.0.1 on segment corp: proto "sctp" is not one of "tcp", "udp", "icmp"',
      "Cannot forward host port 0 to dc01:80 on segment corp: host_port = 0 is out of range (1..65535)",
    ]);
  });

  test("route_to and unroute_to reach the handle; routing to itself is Err", async () => {
    const lab = lab2();
    const corp = lab.segments[0] as FakeSegment;
    const logs = await run(
      `let corp = lab.segment("corp").unwrap()
let dmz = lab.segment("dmz").unwrap()
corp.route_to(dmz).unwrap()
lab.log("routed")
match corp.route_to(corp) { Ok(_) => {}, Err(e) => lab.log(e) }`,
      lab,
    );
    expect(logs).toEqual(["routed", "Cannot route segment corp to corp: a segment cannot be routed to itself"]);
    expect([...corp.routes]).toEqual(["dmz"]);
    await run(`lab.segment("corp").unwrap().unroute_to(lab.segment("dmz").unwrap()).unwrap()`, lab);
    expect([...corp.routes]).toEqual([]);
  });
});

describe("vmlab::sleep_ms", () => {
  test("vmlab::sleep_ms blocks the script and returns", async () => {
    const lab = lab2();
    expect(await run(`vmlab::sleep_ms(1)\nvmlab::sleep_ms(-5)\nlab.log("after")`, lab)).toEqual(["after"]);
  });
});
