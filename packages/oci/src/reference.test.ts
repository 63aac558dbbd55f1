import { describe, expect, it } from "vitest";
import { parseReference } from "./reference.js";

describe("parseReference", () => {
  it.each([
    ["busybox", { registry: "docker.io", repository: "library/busybox", tag: "latest" }],
    ["busybox:1.35", { registry: "docker.io", repository: "library/busybox", tag: "1.35" }],
    [
      "docker.io/library/busybox:latest",
      { registry: "docker.io", repository: "library/busybox", tag: "latest" },
    ],
    ["ktl/app:v1", { registry: "docker.io", repository: "ktl/app", tag: "v1" }],
    ["127.0.0.1:5000/ktl/pause:3.9", { registry: "127.0.0.1:5000", repository: "ktl/pause", tag: "3.9" }],
    ["localhost/app", { registry: "localhost", repository: "app", tag: "latest" }],
    [
      `app@sha256:${"a".repeat(64)}`,
      { registry: "docker.io", repository: "library/app", digest: `sha256:${"a".repeat(64)}` },
    ],
  ])("%s", (ref, want) => {
    expect(parseReference(ref)).toEqual({ tag: undefined, digest: undefined, ...want });
  });

  it.each(["", "Busybox", "a//b", "app:bad tag", "app@sha256:short"])("rejects %j", (ref) => {
    expect(() => parseReference(ref)).toThrow(/invalid/);
  });
});
