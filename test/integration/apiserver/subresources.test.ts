import { describe, expect, it } from "vitest";
import { useApiserver } from "../cluster.js";
import { pod } from "./client.js";

const cluster = useApiserver();
const PODS = "/api/v1/namespaces/default/pods";
const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";

const deployment = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "web", image: "busybox:1", ports: [{ containerPort: 80 }] }] },
    },
  },
});

describe("status subresource", () => {
  it("keeps status on main-resource updates and spec on status updates", async () => {
    const created = (await cluster.api.post(DEPLOYS, deployment("st"))).body;
    const withStatus = await cluster.api.put(`${DEPLOYS}/st/status`, {
      ...created,
      spec: { ...created.spec, replicas: 9 },
      status: { replicas: 2, readyReplicas: 1 },
    });
    expect(withStatus.status).toBe(200);
    expect(withStatus.body.status).toMatchObject({ replicas: 2, readyReplicas: 1 });
    expect(withStatus.body.spec.replicas).toBe(2);
    const mainUpdate = await cluster.api.put(`${DEPLOYS}/st`, {
      ...withStatus.body,
      status: { replicas: 99 },
    });
    expect(mainUpdate.status).toBe(200);
    expect(mainUpdate.body.status.replicas).toBe(2);
  });
});

describe("scale subresource", () => {
  it("reads and writes replicas through autoscaling/v1 Scale", async () => {
    await cluster.api.post(DEPLOYS, deployment("sc"));
    const scale = await cluster.api.get(`${DEPLOYS}/sc/scale`);
    expect(scale.body).toMatchObject({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      spec: { replicas: 2 },
      status: { selector: "app=sc" },
    });
    const put = await cluster.api.put(`${DEPLOYS}/sc/scale`, { ...scale.body, spec: { replicas: 5 } });
    expect(put.status).toBe(200);
    expect(put.body.spec.replicas).toBe(5);
    const patched = await cluster.api.patch(
      `${DEPLOYS}/sc/scale`,
      { spec: { replicas: 1 } },
      "application/merge-patch+json",
    );
    expect(patched.body.spec.replicas).toBe(1);
    expect((await cluster.api.get(`${DEPLOYS}/sc`)).body.spec.replicas).toBe(1);
    const stale = await cluster.api.put(`${DEPLOYS}/sc/scale`, { ...scale.body, spec: { replicas: 3 } });
    expect(stale.status).toBe(409);
    const negative = await cluster.api.patch(
      `${DEPLOYS}/sc/scale`,
      { spec: { replicas: -1 } },
      "application/merge-patch+json",
    );
    expect(negative.status).toBe(422);
  });

  it("works for ReplicaSets too", async () => {
    const rs = { ...deployment("rs1"), kind: "ReplicaSet" };
    expect((await cluster.api.post("/apis/apps/v1/namespaces/default/replicasets", rs)).status).toBe(201);
    const scale = await cluster.api.get("/apis/apps/v1/namespaces/default/replicasets/rs1/scale");
    expect(scale.body.spec.replicas).toBe(2);
  });
});

describe("binding subresource", () => {
  it("binds a pod to a node once", async () => {
    await cluster.api.post(PODS, pod("bind-me"));
    const bind = await cluster.api.post(`${PODS}/bind-me/binding`, {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: "bind-me" },
      target: { apiVersion: "v1", kind: "Node", name: "node-1" },
    });
    expect(bind.status).toBe(201);
    const bound = (await cluster.api.get(`${PODS}/bind-me`)).body;
    expect(bound.spec.nodeName).toBe("node-1");
    expect(bound.status.conditions).toContainEqual(
      expect.objectContaining({ type: "PodScheduled", status: "True" }),
    );
    const again = await cluster.api.post(`${PODS}/bind-me/binding`, {
      metadata: { name: "bind-me" },
      target: { kind: "Node", name: "node-2" },
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('is already assigned to node "node-1"');
  });
});

describe("patch", () => {
  it("applies a strategic merge patch that merges containers by name", async () => {
    await cluster.api.post(DEPLOYS, deployment("smp"));
    const res = await cluster.api.patch(
      `${DEPLOYS}/smp`,
      {
        spec: {
          template: {
            spec: {
              "$setElementOrder/containers": [{ name: "web" }, { name: "sidecar" }],
              containers: [
                { name: "web", image: "busybox:2" },
                { name: "sidecar", image: "busybox:1" },
              ],
            },
          },
        },
      },
      "application/strategic-merge-patch+json",
    );
    expect(res.status).toBe(200);
    const containers = res.body.spec.template.spec.containers;
    expect(containers.map((c: any) => [c.name, c.image])).toEqual([
      ["web", "busybox:2"],
      ["sidecar", "busybox:1"],
    ]);
    // The untouched fields of the merged container are kept.
    expect(containers[0].ports).toEqual([{ containerPort: 80, protocol: "TCP" }]);
  });

  it("applies JSON patches and JSON merge patches, and deletes with null", async () => {
    await cluster.api.post(PODS, pod("jp", { metadata: { annotations: { keep: "1", drop: "2" } } }));
    const merge = await cluster.api.patch(
      `${PODS}/jp`,
      { metadata: { annotations: { drop: null } } },
      "application/merge-patch+json",
    );
    expect(merge.body.metadata.annotations).toEqual({ keep: "1" });
    const json = await cluster.api.patch(
      `${PODS}/jp`,
      [{ op: "add", path: "/metadata/labels/tier", value: "web" }],
      "application/json-patch+json",
    );
    expect(json.body.metadata.labels).toEqual({ app: "web", tier: "web" });
    const failed = await cluster.api.patch(
      `${PODS}/jp`,
      [{ op: "test", path: "/metadata/name", value: "other" }],
      "application/json-patch+json",
    );
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(failed.status).toBeLessThan(500);
  });

  it("treats a resourceVersion in a patch as a precondition", async () => {
    const res = await cluster.api.patch(
      `${PODS}/jp`,
      { metadata: { resourceVersion: "1", labels: { x: "y" } } },
      "application/merge-patch+json",
    );
    expect(res.status).toBe(409);
  });

  it("refuses an immutable field change with 422", async () => {
    const res = await cluster.api.patch(
      `${DEPLOYS}/smp`,
      { spec: { selector: { matchLabels: { app: "other" } } } },
      "application/merge-patch+json",
    );
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toContainEqual(expect.objectContaining({ field: "spec.selector" }));
  });

  it("keeps the last-applied annotation verbatim", async () => {
    const annotation = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "la" } }) + "\n";
    await cluster.api.post(
      PODS,
      pod("la", {
        metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": annotation } },
      }),
    );
    const got = await cluster.api.get(`${PODS}/la`);
    expect(got.body.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toBe(
      annotation,
    );
  });
});

describe("server-side tables", () => {
  it("prints pods with kubectl's columns", async () => {
    const table = await cluster.api.get(PODS, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    expect(table.body.kind).toBe("Table");
    expect(table.body.columnDefinitions.map((c: any) => c.name)).toEqual(
      expect.arrayContaining(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"]),
    );
    const row = table.body.rows.find((r: any) => r.cells[0] === "bind-me");
    expect(row.cells.slice(0, 3)).toEqual(["bind-me", "0/1", "Pending"]);
  });

  it("prints deployments", async () => {
    const table = await cluster.api.get(DEPLOYS, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    expect(table.body.columnDefinitions.slice(0, 5).map((c: any) => c.name)).toEqual([
      "Name",
      "Ready",
      "Up-to-date",
      "Available",
      "Age",
    ]);
  });
});

describe("preconditions", () => {
  it("treats a uid in a patch or an update as a precondition", async () => {
    const created = await cluster.api.post(PODS, pod("uid-guard"));
    const wrong = await cluster.api.patch(
      `${PODS}/uid-guard`,
      { metadata: { uid: "00000000-0000-0000-0000-000000000000", labels: { a: "b" } } },
      "application/merge-patch+json",
    );
    expect(wrong.status).toBe(409);
    expect(wrong.body.message).toContain("Precondition failed: UID in precondition");
    const right = await cluster.api.patch(
      `${PODS}/uid-guard`,
      { metadata: { uid: created.body.metadata.uid, labels: { a: "b" } } },
      "application/merge-patch+json",
    );
    expect(right.status).toBe(200);
    const put = await cluster.api.put(`${PODS}/uid-guard`, {
      ...right.body,
      metadata: { ...right.body.metadata, uid: "00000000-0000-0000-0000-000000000000" },
    });
    expect(put.status).toBe(409);
  });
});
