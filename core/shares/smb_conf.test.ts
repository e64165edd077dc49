import { describe, expect, test } from "bun:test";
import { smbConf, unsafeConfValue } from "./smb_conf.ts";

const base = {
  port: 40445,
  stateDir: "/lab/.vmlab/smb",
  guestAccount: "vmlab-nobody",
  smb1: false,
  shares: [
    { name: "src", path: "/lab/src", user: "vmlab-a", readonly: false },
    { name: "data", path: "/lab/data", user: "vmlab-b", readonly: true },
  ],
};

function global(text: string, key: string): string | undefined {
  return new RegExp(`^  ${key} = (.*)$`, "m").exec(text)?.[1];
}

describe("smbConf()", () => {
  test("the baseline is SMB2+, mandatory signing, NTLMv2 only, no guests, loopback only", () => {
    const t = smbConf(base);
    expect(global(t, "server min protocol")).toBe("SMB2_02");
    expect(global(t, "server signing")).toBe("mandatory");
    expect(global(t, "ntlm auth")).toBe("ntlmv2-only");
    expect(global(t, "map to guest")).toBe("never");
    expect(global(t, "interfaces")).toBe("127.0.0.1");
    expect(global(t, "smb ports")).toBe("40445");
    expect(global(t, "host msdfs")).toBe("no");
    expect(global(t, "load printers")).toBe("no");
  });

  test("each share admits only its owning VM's account and carries read only from the block", () => {
    const t = smbConf(base);
    expect(t).toContain("[src]\n  path = /lab/src\n  valid users = vmlab-a\n  read only = no");
    expect(t).toContain("[data]\n  path = /lab/data\n  valid users = vmlab-b\n  read only = yes");
    expect(t.match(/^\[/gm)?.length).toBe(3);
  });

  test("smb1 relaxes the lab's server to NT1 and NTLMv1", () => {
    const t = smbConf({ ...base, smb1: true });
    expect(global(t, "server min protocol")).toBe("NT1");
    expect(global(t, "ntlm auth")).toBe("yes");
  });

  test("unsafeConfValue() refuses line breaks", () => {
    expect(unsafeConfValue("/a\n[evil]")).toBeDefined();
    expect(unsafeConfValue("/home/me/data ü")).toBeUndefined();
  });
});
