/**
 * `ktl image seed` against a real registry it did not start: busybox (every
 * tag) and the sandbox image land there; errors name what is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistry, type RegistryServer } from "@ktl/testing";
import { KtlRunner } from "./ktl-runner.js";

let registry: RegistryServer;
let ktl: KtlRunner;

beforeAll(async () => {
  registry = await startRegistry();
  // No apiserver is needed; the kubeconfig is never read by `image seed`.
  ktl = await KtlRunner.create("http://127.0.0.1:1");
});

afterAll(async () => {
  await ktl?.dispose();
  await registry?.stop();
});

async function tags(repository: string): Promise<string[]> {
  const res = await fetch(`${registry.url}/v2/${repository}/tags/list`);
  return ((await res.json()) as { tags?: string[] }).tags ?? [];
}

describe("ktl image seed", () => {
  it("pushes busybox and the pause image to the given registry", async () => {
    const out = await ktl.ok(["image", "seed", "--registry", registry.address]);
    expect(out).toMatch(
      new RegExp(`^pushed ${registry.address}/library/busybox:latest \\(sha256:[0-9a-f]{64}\\)$`, "m"),
    );
    expect(out).toContain(`pushed ${registry.address}/ktl/pause:3.9 (sha256:`);
    expect(await tags("library/busybox")).toContain("latest");
    expect(await tags("ktl/pause")).toEqual(["3.9"]);
    // Again: the same digests, nothing new (blobs already there are skipped).
    expect(await ktl.ok(["image", "seed", "--registry", registry.address])).toBe(out);
  });

  it("says what is missing: the registry, the busybox binary", async () => {
    const unreachable = await ktl.run(["image", "seed", "--registry", "127.0.0.1:1"]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach the registry at 127.0.0.1:1");
    const noBusybox = await ktl.run([
      "image",
      "seed",
      "--registry",
      registry.address,
      "--busybox",
      "/nope/busybox",
    ]);
    expect(noBusybox.code).toBe(1);
    expect(noBusybox.stderr).toContain("/nope/busybox not found: install busybox-static or pass --busybox");
    const noCluster = await ktl.run(["image", "seed"]);
    expect(noCluster.code).toBe(1);
    expect(noCluster.stderr).toContain("no --registry given and no local cluster");
  });
});
