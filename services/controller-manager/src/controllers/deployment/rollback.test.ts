import { describe, expect, it } from "vitest";
import type { Deployment } from "@ktl/api";
import { DEPLOYMENTS } from "./control.js";
import { Fixture, hashOf, objectOf, template } from "./fixture.js";

const REVISION = "deployment.kubernetes.io/revision";
const HISTORY = "deployment.kubernetes.io/revision-history";
const CAUSE = "kubernetes.io/change-cause";
const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } };

/** Revision 1 ran image a; revision 2 (image b) is current and complete. */
function history(f: Fixture): void {
  f.replicaSet({
    image: "a",
    replicas: 0,
    revision: 1,
    age: 300,
    sizedFor: { desired: 5, max: 7 },
    annotations: { [CAUSE]: "create a" },
  });
  f.replicaSet({
    image: "b",
    replicas: 5,
    revision: 2,
    age: 200,
    sizedFor: { desired: 5, max: 7 },
    annotations: { [CAUSE]: "set image b" },
  });
}

describe("rollback", () => {
  it("reuses the ReplicaSet of the template kubectl rollout undo patched back, with the next revision", async () => {
    const f = new Fixture();
    history(f);
    // What kubectl rollout undo leaves: revision 1's template and annotations, the Deployment's own revision.
    f.deployment(
      { replicas: 5, template: template("a"), strategy },
      { annotations: { [CAUSE]: "create a", [REVISION]: "2" } },
    );
    await f.reconcile();

    expect(f.writes("create")).toEqual([]);
    const reused = f.stored(`web-${hashOf("a")}`);
    expect(reused?.metadata?.annotations).toMatchObject({
      [REVISION]: "3",
      [HISTORY]: "1",
      [CAUSE]: "create a",
    });
    expect(reused?.spec?.replicas).toBe(2); // and the rollout to it begins, within maxSurge
    expect(f.storedDeployment()?.metadata?.annotations?.[REVISION]).toBe("3");
    expect(f.stored(`web-${hashOf("b")}`)?.metadata?.annotations).toMatchObject({
      [REVISION]: "2",
      [CAUSE]: "set image b",
    });

    // Rolling back again (to revision 2, now the previous one) keeps the history growing.
    f.settle();
    const d = f.storedDeployment();
    f.client.seed(DEPLOYMENTS, {
      ...d,
      spec: { ...d?.spec, template: template("b") },
      metadata: { ...d?.metadata, annotations: { ...d?.metadata?.annotations, [CAUSE]: "set image b" } },
    } as Deployment);
    f.settle();
    await f.reconcile();
    expect(f.stored(`web-${hashOf("b")}`)?.metadata?.annotations).toMatchObject({
      [REVISION]: "4",
      [HISTORY]: "2",
    });
    f.settle();
    await f.reconcile();
    expect(f.storedDeployment()?.metadata?.annotations?.[REVISION]).toBe("4");
  });

  it("rolls back to the previous revision on a deprecated.deployment.rollback.to of 0, then clears it", async () => {
    const f = new Fixture();
    history(f);
    f.deployment(
      { replicas: 5, template: template("b"), strategy },
      { annotations: { [CAUSE]: "set image b", [REVISION]: "2", "deprecated.deployment.rollback.to": "0" } },
    );
    await f.reconcile();
    const [update] = f.writes("update", "deployments");
    const written = update && objectOf<Deployment>(update);
    expect(written?.spec?.template).toEqual(template("a"));
    expect(written?.metadata?.annotations).toEqual({ [CAUSE]: "create a", [REVISION]: "2" });
    expect(f.scalings()).toEqual([]); // the rollout happens in the passes that follow
  });

  it("gives up a rollback to a revision that does not exist, or to the current template", async () => {
    for (const [revision, image] of [
      ["9", "b"],
      ["2", "b"],
    ] as const) {
      const f = new Fixture();
      history(f);
      f.deployment(
        { replicas: 5, template: template(image), strategy },
        { annotations: { [REVISION]: "2", "deprecated.deployment.rollback.to": revision } },
      );
      await f.reconcile();
      const [update] = f.writes("update", "deployments");
      const written = update && objectOf<Deployment>(update);
      expect(written?.spec?.template).toEqual(template("b"));
      expect(written?.metadata?.annotations).toEqual({ [REVISION]: "2" });
    }
  });
});
