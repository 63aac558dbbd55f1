import { describe, expect, it } from "vitest";
import { isAllowedImage, normalizeImageRef, parseImageRef } from "./image-ref.js";
import { localRegistries } from "./containerd/registry-hosts.js";

describe("image references", () => {
  it("normalizes as containerd does", () => {
    expect(normalizeImageRef("busybox")).toBe("docker.io/library/busybox:latest");
    expect(normalizeImageRef("busybox:1.36")).toBe("docker.io/library/busybox:1.36");
    expect(normalizeImageRef("ktl/pause:3.9")).toBe("docker.io/ktl/pause:3.9");
    expect(normalizeImageRef("127.0.0.1:5000/ktl/pause:3.9")).toBe("127.0.0.1:5000/ktl/pause:3.9");
    expect(normalizeImageRef("localhost/app")).toBe("localhost/app:latest");
    expect(normalizeImageRef("index.docker.io/library/busybox")).toBe("docker.io/library/busybox:latest");
    const digest = "sha256:" + "a".repeat(64);
    expect(normalizeImageRef(`busybox@${digest}`)).toBe(`docker.io/library/busybox@${digest}`);
    expect(parseImageRef("quay.io/org/app:v1")).toEqual({
      registry: "quay.io",
      repository: "org/app",
      tag: "v1",
      digest: undefined,
    });
  });

  it("rejects malformed references", () => {
    expect(() => parseImageRef("Busybox")).toThrow(/invalid image reference/);
    expect(() => parseImageRef("")).toThrow();
  });

  it("allows only the local registry and docker.io (which the node redirects to it)", () => {
    const allowed = localRegistries("127.0.0.1:5000");
    expect(isAllowedImage("busybox", allowed)).toBe(true);
    expect(isAllowedImage("docker.io/library/nginx:1", allowed)).toBe(true);
    expect(isAllowedImage("127.0.0.1:5000/ktl/pause:3.9", allowed)).toBe(true);
    expect(isAllowedImage("127.0.0.1:5001/ktl/pause:3.9", allowed)).toBe(false);
    expect(isAllowedImage("quay.io/org/app", allowed)).toBe(false);
    expect(isAllowedImage("registry.k8s.io/pause:3.9", allowed)).toBe(false);
    expect(isAllowedImage("NOT A REF", allowed)).toBe(false);
  });
});
