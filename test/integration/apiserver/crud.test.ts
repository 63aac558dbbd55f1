import { describe, expect, it } from "vitest";
import { useApiserver } from "../cluster.js";
import { pod } from "./client.js";

const cluster = useApiserver();
const PODS = "/api/v1/namespaces/default/pods";

describe("apiserver CRUD against a real etcd", () => {
  it("creates the system namespaces at start", async () => {
    const list = await cluster.api.get("/api/v1/namespaces");
    expect(list.status).toBe(200);
    const names = list.body.items.map((n: any) => n.metadata.name);
    expect(names).toEqual(expect.arrayContaining(["default", "kube-system"]));
    expect(list.body.items[0].status.phase).toBe("Active");
  });

  it("creates with server-set metadata and defaults, then reads it back", async () => {
    const created = await cluster.api.post(PODS, pod("web-1"));
    expect(created.status).toBe(201);
    const meta = created.body.metadata;
    expect(meta.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(meta.resourceVersion)).toBeGreaterThan(0);
    expect(meta.namespace).toBe("default");
    expect(created.body.status.phase).toBe("Pending");
    expect(created.body.spec.restartPolicy).toBe("Always");
    expect(created.body.spec.containers[0].imagePullPolicy).toBe("Always");

    const got = await cluster.api.get(`${PODS}/web-1`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
  });

  it("refuses a duplicate with 409 AlreadyExists", async () => {
    const again = await cluster.api.post(PODS, pod("web-1"));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ kind: "Status", reason: "AlreadyExists", code: 409 });
    expect(again.body.message).toBe('pods "web-1" already exists');
  });

  it("generates names from generateName", async () => {
    const created = await cluster.api.post(PODS, { ...pod(""), metadata: { generateName: "gen-" } });
    expect(created.status).toBe(201);
    expect(created.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it("gives 409 Conflict to an update from a stale resourceVersion, and accepts a fresh one", async () => {
    const current = (await cluster.api.get(`${PODS}/web-1`)).body;
    const first = await cluster.api.put(`${PODS}/web-1`, {
      ...current,
      metadata: { ...current.metadata, labels: { app: "web", v: "1" } },
    });
    expect(first.status).toBe(200);
    expect(Number(first.body.metadata.resourceVersion)).toBeGreaterThan(
      Number(current.metadata.resourceVersion),
    );
    const stale = await cluster.api.put(`${PODS}/web-1`, {
      ...current,
      metadata: { ...current.metadata, labels: { v: "2" } },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe("Conflict");
  });

  it("bumps generation on spec changes only", async () => {
    const cm = await cluster.api.post("/apis/apps/v1/namespaces/default/deployments", {
      metadata: { name: "gen" },
      spec: {
        selector: { matchLabels: { app: "gen" } },
        template: {
          metadata: { labels: { app: "gen" } },
          spec: { containers: [{ name: "c", image: "busybox:1" }] },
        },
      },
    });
    expect(cm.status).toBe(201);
    expect(cm.body.metadata.generation).toBe(1);
    const labelled = await cluster.api.patch(
      "/apis/apps/v1/namespaces/default/deployments/gen",
      { metadata: { labels: { a: "b" } } },
      "application/merge-patch+json",
    );
    expect(labelled.body.metadata.generation).toBe(1);
    const scaled = await cluster.api.patch(
      "/apis/apps/v1/namespaces/default/deployments/gen",
      { spec: { replicas: 3 } },
      "application/merge-patch+json",
    );
    expect(scaled.body.metadata.generation).toBe(2);
    const renamed = await cluster.api.patch(
      "/apis/apps/v1/namespaces/default/deployments/gen",
      { metadata: { name: "other" } },
      "application/merge-patch+json",
    );
    expect(renamed.status).toBe(400);
    expect(renamed.body.message).toBe(
      "the name of the object (other) does not match the name on the URL (gen)",
    );
  });

  it("refuses invalid objects with 422 and field paths", async () => {
    const bad = await cluster.api.post(PODS, {
      metadata: { name: "Bad_Name" },
      spec: { containers: [{ name: "c", image: "", ports: [{ containerPort: 70000 }] }] },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe("Invalid");
    const fields = bad.body.details.causes.map((c: any) => c.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "metadata.name",
        "spec.containers[0].image",
        "spec.containers[0].ports[0].containerPort",
      ]),
    );
    expect(bad.body.message).toMatch(/^Pod "Bad_Name" is invalid: /);
  });

  it("refuses negative replicas with 422 on spec.replicas", async () => {
    const bad = await cluster.api.post("/apis/apps/v1/namespaces/default/deployments", {
      metadata: { name: "neg" },
      spec: {
        replicas: -1,
        selector: { matchLabels: { app: "x" } },
        template: {
          metadata: { labels: { app: "x" } },
          spec: { containers: [{ name: "c", image: "busybox" }] },
        },
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes).toContainEqual(expect.objectContaining({ field: "spec.replicas" }));
  });

  it("answers invalid JSON with 400 and writes nothing", async () => {
    const bad = await cluster.api.post(PODS, '{"metadata": {"name": "broken"');
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toBe("BadRequest");
    expect((await cluster.api.get(`${PODS}/broken`)).status).toBe(404);
  });

  it("refuses unknown fields under fieldValidation=Strict and drops them otherwise", async () => {
    const strict = await cluster.api.post(`${PODS}?fieldValidation=Strict`, {
      ...pod("strict"),
      spec: { containers: [{ name: "c", image: "b", imagePolicy: "x" }] },
    });
    expect(strict.status).toBe(400);
    expect(strict.body.message).toContain('unknown field "spec.containers[0].imagePolicy"');
    const lax = await cluster.api.post(PODS, {
      ...pod("lax"),
      spec: { containers: [{ name: "c", image: "b", imagePolicy: "x" }] },
    });
    expect(lax.status).toBe(201);
    expect(lax.body.spec.containers[0].imagePolicy).toBeUndefined();
  });

  it("refuses wrongly typed values with 400", async () => {
    const bad = await cluster.api.post("/apis/apps/v1/namespaces/default/deployments", {
      metadata: { name: "t" },
      spec: { replicas: "three" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("spec.replicas");
  });

  it("refuses objects in a missing namespace with 404", async () => {
    const res = await cluster.api.post("/api/v1/namespaces/nope/pods", pod("x"));
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('namespaces "nope" not found');
  });

  it("refuses objects over 1.5 MiB with 413 and writes nothing", async () => {
    // Env values have no size rule of their own, so only the storage limit stops this one.
    const big = await cluster.api.post(
      PODS,
      pod("big", { container: { env: [{ name: "BLOB", value: "x".repeat(1_700_000) }] } }),
    );
    expect(big.status).toBe(413);
    expect(big.body.reason).toBe("RequestEntityTooLarge");
    expect((await cluster.api.get(`${PODS}/big`)).status).toBe(404);
    // A body beyond what the server reads at all is refused the same way.
    const huge = await cluster.api.post(
      PODS,
      pod("huge", { container: { env: [{ name: "BLOB", value: "x".repeat(4_000_000) }] } }),
    );
    expect(huge.status).toBe(413);
  });

  it("deletes at once without finalizers, and returns 404 afterwards", async () => {
    const cm = await cluster.api.post("/api/v1/namespaces/default/configmaps", {
      metadata: { name: "gone" },
      data: { a: "b" },
    });
    expect(cm.status).toBe(201);
    const del = await cluster.api.delete("/api/v1/namespaces/default/configmaps/gone");
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ kind: "Status", status: "Success", details: { name: "gone" } });
    expect((await cluster.api.get("/api/v1/namespaces/default/configmaps/gone")).status).toBe(404);
    expect((await cluster.api.delete("/api/v1/namespaces/default/configmaps/gone")).status).toBe(404);
  });

  it("holds an object with finalizers until the last one is removed", async () => {
    await cluster.api.post("/api/v1/namespaces/default/configmaps", {
      metadata: { name: "held", finalizers: ["example.com/hold"] },
    });
    const del = await cluster.api.delete("/api/v1/namespaces/default/configmaps/held");
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toBeDefined();
    const still = await cluster.api.get("/api/v1/namespaces/default/configmaps/held");
    expect(still.status).toBe(200);
    const released = await cluster.api.patch(
      "/api/v1/namespaces/default/configmaps/held",
      { metadata: { finalizers: null } },
      "application/merge-patch+json",
    );
    expect(released.status).toBe(200);
    expect((await cluster.api.get("/api/v1/namespaces/default/configmaps/held")).status).toBe(404);
  });

  it("gives a scheduled pod a grace period and deletes it when the kubelet confirms", async () => {
    await cluster.api.post(PODS, pod("graceful", { spec: { nodeName: "n1" } }));
    const del = await cluster.api.delete(`${PODS}/graceful`);
    expect(del.body.metadata.deletionTimestamp).toBeDefined();
    expect(del.body.metadata.deletionGracePeriodSeconds).toBe(30);
    const confirm = await cluster.api.delete(`${PODS}/graceful?gracePeriodSeconds=0`);
    expect(confirm.status).toBe(200);
    expect((await cluster.api.get(`${PODS}/graceful`)).status).toBe(404);
  });

  it("marks a deleted namespace Terminating and refuses new content in it", async () => {
    expect((await cluster.api.post("/api/v1/namespaces", { metadata: { name: "doomed" } })).status).toBe(201);
    const del = await cluster.api.delete("/api/v1/namespaces/doomed");
    expect(del.status).toBe(200);
    expect(del.body.status.phase).toBe("Terminating");
    const refused = await cluster.api.post("/api/v1/namespaces/doomed/pods", pod("late"));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain("because it is being terminated");
    // The namespace controller finalizes it; without one, finalize by hand.
    const ns = (await cluster.api.get("/api/v1/namespaces/doomed")).body;
    const fin = await cluster.api.put("/api/v1/namespaces/doomed/finalize", {
      ...ns,
      spec: { finalizers: [] },
    });
    expect(fin.status).toBe(200);
    expect((await cluster.api.get("/api/v1/namespaces/doomed")).status).toBe(404);
  });

  it("speaks Status for unknown paths and unsupported patch types", async () => {
    const missing = await cluster.api.get("/api/v1/namespaces/default/widgets");
    expect(missing.status).toBe(404);
    expect(missing.body.kind).toBe("Status");
    const patch = await cluster.api.patch(`${PODS}/web-1`, {}, "text/plain");
    expect(patch.status).toBe(415);
  });
});
