import { describe, expect, it } from "vitest";
import type { ReplicaSet } from "@ktl/api";
import { Fixture, hashOf, objectOf, template } from "./fixture.js";
import { oldPodsRunning } from "./recreate.js";

const recreateTo = (image: string) => ({
  replicas: 3,
  template: template(image),
  strategy: { type: "Recreate" },
});

describe("Recreate", () => {
  it("scales the old ReplicaSets to 0 first, without creating the new one", async () => {
    const f = new Fixture();
    f.deployment(recreateTo("b"));
    f.replicaSet({ image: "a", replicas: 3, revision: 1, sizedFor: { desired: 3, max: 3 } });
    await f.reconcile();
    expect(f.scalings()).toEqual([`web-${hashOf("a")}=0`]);
    expect(f.writes("create")).toEqual([]);
  });

  it("waits while an old ReplicaSet still counts pods", async () => {
    const f = new Fixture();
    f.deployment(recreateTo("b"));
    f.replicaSet({ image: "a", replicas: 0, current: 1, revision: 1, sizedFor: { desired: 3, max: 3 } });
    await f.reconcile();
    expect(f.writes("create")).toEqual([]);
  });

  it("waits for old pods that are still terminating", async () => {
    const f = new Fixture();
    f.deployment(recreateTo("b"));
    f.replicaSet({ image: "a", replicas: 0, current: 0, revision: 1, sizedFor: { desired: 3, max: 3 } });
    f.pod("a-1", "a", { deleting: true });
    await f.reconcile();
    expect(f.writes("create")).toEqual([]);
  });

  it("creates the new ReplicaSet with every replica once the old pods are gone (finished ones do not count)", async () => {
    const f = new Fixture();
    f.deployment(recreateTo("b"));
    f.replicaSet({ image: "a", replicas: 0, current: 0, revision: 1, sizedFor: { desired: 3, max: 3 } });
    f.pod("a-done", "a", { phase: "Succeeded" });
    await f.reconcile();
    const [create] = f.writes("create");
    expect(create && objectOf<ReplicaSet>(create)?.spec?.replicas).toBe(3);
    expect(create?.name).toBe(`web-${hashOf("b")}`);
  });

  it("tells running old pods apart from the new ReplicaSet's", () => {
    const newRS: ReplicaSet = { metadata: { uid: "new" } };
    const oldRS: ReplicaSet = { metadata: { uid: "old" }, status: { replicas: 0 } };
    const running = { status: { phase: "Running" } };
    expect(oldPodsRunning(newRS, [oldRS], new Map([["new", [running]]]))).toBe(false);
    expect(oldPodsRunning(newRS, [oldRS], new Map([["old", [running]]]))).toBe(true);
    expect(oldPodsRunning(newRS, [oldRS], new Map([["old", [{ status: { phase: "Failed" } }]]]))).toBe(false);
    expect(oldPodsRunning(newRS, [oldRS], new Map([["old", [{ status: { phase: "Unknown" } }]]]))).toBe(true);
    expect(oldPodsRunning(undefined, [{ ...oldRS, status: { replicas: 2 } }], new Map())).toBe(true);
  });
});
