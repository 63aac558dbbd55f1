import { afterAll, beforeAll } from "vitest";
import { seedImages, sandboxImageRef } from "@ktl/oci";
import { startRegistry, type RegistryServer } from "@ktl/testing";

export interface ImageRegistry {
  /** "127.0.0.1:PORT" */
  readonly address: string;
  /** The pause image in it, for containerd's sandbox_image. */
  readonly sandboxImage: string;
}

/**
 * A real registry seeded with busybox and pause for the file's tests; the
 * fields are set once beforeAll has run (register this before other hooks).
 */
export function useImageRegistry(): ImageRegistry {
  const state = { address: "", sandboxImage: "" };
  let registry: RegistryServer | undefined;
  beforeAll(async () => {
    registry = await startRegistry();
    await seedImages({ registry: registry.address });
    state.address = registry.address;
    state.sandboxImage = sandboxImageRef(registry.address);
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
  });
  return state;
}
