import { describe, expect, test } from "bun:test";
import { formatReference, isLoopbackHost, manifestSelector, parseReference } from "./reference.ts";

const ok = (text: string) => {
  const r = parseReference(text);
  if (!r.ok) throw new Error(r.reason);
  return r.ref;
};
const reason = (text: string) => {
  const r = parseReference(text);
  if (r.ok) throw new Error(`${text} parsed`);
  return r.reason;
};

describe("parseReference()", () => {
  test("reads host, repository and tag", () => {
    expect(ok("ghcr.io/owner/linux-modern:1.0")).toEqual({ host: "ghcr.io", repository: "owner/linux-modern", tag: "1.0", digest: undefined });
  });
  test("keeps a port on the host and defaults the tag to latest", () => {
    expect(ok("localhost:5000/team/base")).toEqual({ host: "localhost:5000", repository: "team/base", tag: "latest", digest: undefined });
  });
  test("applies Docker Hub defaults to host-less names", () => {
    expect(ok("ubuntu")).toEqual({ host: "docker.io", repository: "library/ubuntu", tag: "latest", digest: undefined });
    expect(ok("me/img:2")).toEqual({ host: "docker.io", repository: "me/img", tag: "2", digest: undefined });
  });
  test("reads a digest with or without a tag", () => {
    const d = `sha256:${"a".repeat(64)}`;
    expect(ok(`127.0.0.1:5000/x@${d}`)).toEqual({ host: "127.0.0.1:5000", repository: "x", tag: undefined, digest: d });
    expect(ok(`127.0.0.1:5000/x:1@${d}`).tag).toBe("1");
    expect(manifestSelector(ok(`127.0.0.1:5000/x:1@${d}`))).toBe(d);
  });
  test("formats canonically", () => {
    expect(formatReference(ok("ghcr.io/o/n:1"))).toBe("ghcr.io/o/n:1");
    expect(formatReference(ok("busybox"))).toBe("docker.io/library/busybox:latest");
  });
  test("rejects malformed references with the offending part", () => {
    expect(reason("ghcr.io/Owner/x:1")).toContain('"Owner"');
    expect(reason("ghcr.io/o/x:-bad")).toContain('tag "-bad"');
    expect(reason("ghcr.io//x")).toContain("empty path component");
    expect(reason("ghcr.io/o/x@sha256:abc")).toContain("digest");
    expect(reason("localhost:99999/x")).toContain("port");
    expect(reason("")).toContain("empty");
  });
  test("isLoopbackHost() accepts only loopback names", () => {
    expect(isLoopbackHost("127.0.0.1:5000")).toBe(true);
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("ghcr.io")).toBe(false);
    expect(isLoopbackHost("10.0.0.1:5000")).toBe(false);
  });
});
