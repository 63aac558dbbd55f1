import { describe, expect, it } from "vitest";
import type { Container, Pod } from "@ktl/api";
import { FakeImageService } from "../runtime/fake/fake-images.js";
import { Backoff } from "./backoff.js";
import { ensureImageExists, withDefaultTag } from "./image-puller.js";

const pod: Pod = { metadata: { name: "p", namespace: "default", uid: "u1" }, spec: { containers: [] } };
const pull = (
  images: FakeImageService,
  backoff: Backoff,
  container: Container,
  allowedImage?: (i: string) => string | undefined,
) =>
  ensureImageExists({ images, backoff, allowedImage, now: () => now }, { pod, container, sandboxConfig: {} });
let now = 0;

describe("ensureImageExists", () => {
  it("applies the default tag and pull policy", async () => {
    expect(withDefaultTag("busybox")).toBe("busybox:latest");
    expect(withDefaultTag("localhost:5000/app")).toBe("localhost:5000/app:latest");
    expect(withDefaultTag("busybox:1.36")).toBe("busybox:1.36");
    expect(withDefaultTag("Not Valid")).toBeUndefined();

    const images = new FakeImageService({ preloaded: ["busybox:1.36", "busybox:latest"] });
    const backoff = new Backoff(1000, 10_000, () => now);
    // IfNotPresent (the default for a tag) uses what is there.
    await expect(pull(images, backoff, { name: "c", image: "busybox:1.36" })).resolves.toMatch(/^sha256:/);
    expect(images.pulls).toBe(0);
    // ":latest" (or no tag) defaults to Always.
    await pull(images, backoff, { name: "c", image: "busybox" });
    expect(images.pulls).toBe(1);
    await pull(images, backoff, { name: "c", image: "busybox:1.36", imagePullPolicy: "Always" });
    expect(images.pulls).toBe(2);
    await pull(images, backoff, { name: "c", image: "nginx:1.27" });
    expect(images.pulls).toBe(3);
  });

  it("reports Kubernetes' reasons: InvalidImageName, ErrImageNeverPull, ErrImagePull then ImagePullBackOff", async () => {
    const images = new FakeImageService();
    const backoff = new Backoff(1000, 10_000, () => now);
    now = 0;
    await expect(pull(images, backoff, { name: "c", image: "Not Valid" })).rejects.toMatchObject({
      reason: "InvalidImageName",
      message:
        'Failed to apply default image tag "Not Valid": couldn\'t parse image name "Not Valid": invalid reference format',
    });
    await expect(
      pull(images, backoff, { name: "c", image: "app:1", imagePullPolicy: "Never" }),
    ).rejects.toMatchObject({
      reason: "ErrImageNeverPull",
      message: 'Container image "app:1" is not present with pull policy of Never',
    });
    await expect(pull(images, backoff, { name: "c", image: "nonexistent:1" })).rejects.toMatchObject({
      reason: "ErrImagePull",
      message: expect.stringMatching(
        /^rpc error: code = NotFound desc = failed to pull and unpack image "docker.io\/library\/nonexistent:1"/,
      ),
    });
    now = 500;
    await expect(pull(images, backoff, { name: "c", image: "nonexistent:1" })).rejects.toMatchObject({
      reason: "ImagePullBackOff",
      message: 'Back-off pulling image "nonexistent:1"',
    });
    expect(images.pulls).toBe(1);
    now = 1001;
    await expect(pull(images, backoff, { name: "c", image: "nonexistent:1" })).rejects.toMatchObject({
      reason: "ErrImagePull",
    });
    expect(images.pulls).toBe(2);
    expect(backoff.get("u1_nonexistent:1")).toBe(2000);
  });

  it("refuses images the node may not pull", async () => {
    const images = new FakeImageService();
    const backoff = new Backoff(1000, 10_000, () => now);
    const refuse = (image: string): string | undefined =>
      image.startsWith("quay.io/") ? `pulling from quay.io is not allowed on this node` : undefined;
    await expect(pull(images, backoff, { name: "c", image: "quay.io/x/y:1" }, refuse)).rejects.toMatchObject({
      reason: "ErrImagePull",
      message: "pulling from quay.io is not allowed on this node",
    });
    expect(images.pulls).toBe(0);
  });
});
