/**
 * End to end: the real kubectl drives Deployments through the controllers —
 * rollout status, set image, history, undo, restart, pause/resume, scale and
 * cascading delete — with a fake kubelet marking pods Ready.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "@ktl/client";
import {
  startApiserver,
  startControllerManager,
  startEtcd,
  startFakeKubelet,
  type ApiserverProcess,
  type EtcdServer,
  type ServiceProcess,
} from "@ktl/testing";
import { KubectlRunner } from "./kubectl-runner.js";

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let controllers: ServiceProcess;
let client: ApiClient;
let stopKubelet: () => void;
let kubectl: KubectlRunner;
const NS = ["-n", "rollout"];

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  controllers = await startControllerManager({
    apiserver: apiserver.grpcAddress,
    args: ["--controllers", "replicaset,deployment,garbage-collector", "--leader-elect", "false"],
  });
  client = new ApiClient(apiserver.grpcAddress);
  stopKubelet = startFakeKubelet({ client, startupMs: 100 });
  kubectl = await KubectlRunner.create(apiserver.url);
  await kubectl.ok(["create", "namespace", "rollout"]);
});

afterAll(async () => {
  stopKubelet?.();
  client?.close();
  await kubectl?.dispose();
  await controllers?.stop();
  await apiserver?.stop();
  await etcd?.stop();
});

const replicaSets = async (): Promise<string[]> =>
  (
    await kubectl.ok([
      "get",
      "rs",
      ...NS,
      "-o",
      "jsonpath={range .items[*]}{.metadata.name}={.spec.replicas} {end}",
    ])
  )
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .sort();

describe("kubectl rollout against the controllers", () => {
  it("creates a Deployment and reports its rollout done", async () => {
    await kubectl.ok(["create", "deployment", "web", "--image=busybox:1", "--replicas=3", ...NS]);
    const status = await kubectl.ok(["rollout", "status", "deploy/web", ...NS, "--timeout=60s"]);
    expect(status).toContain('deployment "web" successfully rolled out');
    const ready = await kubectl.ok([
      "get",
      "deploy",
      "web",
      ...NS,
      "-o",
      "jsonpath={.status.readyReplicas}/{.status.updatedReplicas}",
    ]);
    expect(ready).toBe("3/3");
  });

  it("rolls to a new image with set image, and lists the revisions", async () => {
    await kubectl.ok(["set", "image", "deploy/web", "busybox=busybox:2", ...NS]);
    expect(await kubectl.ok(["rollout", "status", "deploy/web", ...NS, "--timeout=60s"])).toContain(
      "successfully rolled out",
    );
    const history = await kubectl.ok(["rollout", "history", "deploy/web", ...NS]);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE/);
    expect(history).toMatch(/^1\s/m);
    expect(history).toMatch(/^2\s/m);
    const sets = await replicaSets();
    expect(sets).toHaveLength(2);
    expect(sets.filter((s) => s.endsWith("=3"))).toHaveLength(1);
    expect(sets.filter((s) => s.endsWith("=0"))).toHaveLength(1);
  });

  it("undoes to the previous revision, reusing its ReplicaSet", async () => {
    await kubectl.ok(["rollout", "undo", "deploy/web", ...NS]);
    expect(await kubectl.ok(["rollout", "status", "deploy/web", ...NS, "--timeout=60s"])).toContain(
      "successfully rolled out",
    );
    const image = await kubectl.ok([
      "get",
      "deploy",
      "web",
      ...NS,
      "-o",
      "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    expect(image).toBe("busybox:1");
    expect(await replicaSets()).toHaveLength(2);
    const history = await kubectl.ok(["rollout", "history", "deploy/web", ...NS]);
    expect(history).toMatch(/^2\s/m);
    expect(history).toMatch(/^3\s/m);
    expect(history).not.toMatch(/^1\s/m);
  });

  it("restarts with a new ReplicaSet", async () => {
    await kubectl.ok(["rollout", "restart", "deploy/web", ...NS]);
    expect(await kubectl.ok(["rollout", "status", "deploy/web", ...NS, "--timeout=60s"])).toContain(
      "successfully rolled out",
    );
    expect(await replicaSets()).toHaveLength(3);
  });

  it("holds a paused rollout until it is resumed", async () => {
    await kubectl.ok(["rollout", "pause", "deploy/web", ...NS]);
    await kubectl.ok(["set", "image", "deploy/web", "busybox=busybox:3", ...NS]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await replicaSets()).toHaveLength(3);
    await kubectl.ok(["rollout", "resume", "deploy/web", ...NS]);
    expect(await kubectl.ok(["rollout", "status", "deploy/web", ...NS, "--timeout=60s"])).toContain(
      "successfully rolled out",
    );
    expect(await replicaSets()).toHaveLength(4);
  });

  it("scales through the scale subresource", async () => {
    await kubectl.ok(["scale", "deploy/web", "--replicas=5", ...NS]);
    expect(await kubectl.ok(["rollout", "status", "deploy/web", ...NS, "--timeout=60s"])).toContain(
      "successfully rolled out",
    );
    const pods = await kubectl.ok(["get", "pods", ...NS, "-l", "app=web", "-o", "name"]);
    expect(pods.trim().split("\n")).toHaveLength(5);
  });

  it("exports the controllers' work-queue metrics and health", async () => {
    expect(controllers.healthUrl).toBeDefined();
    expect((await fetch(`${controllers.healthUrl}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${controllers.healthUrl}/metrics`)).text();
    for (const name of ["deployment", "replicaset"]) {
      const count = Number(
        new RegExp(`workqueue_work_duration_seconds_count\\{name="${name}"\\} (\\d+)`).exec(metrics)?.[1],
      );
      expect(count, name).toBeGreaterThan(0);
    }
    expect(metrics).toContain('workqueue_depth{name="deployment"}');
  });

  it("deletes the Deployment with its ReplicaSets and pods", async () => {
    await kubectl.ok(["delete", "deploy", "web", ...NS]);
    const deadline = Date.now() + 30_000;
    let left = "";
    do {
      left = (await kubectl.ok(["get", "rs,pods", ...NS, "-o", "name"])).trim();
      if (!left) break;
      await new Promise((r) => setTimeout(r, 300));
    } while (Date.now() < deadline);
    expect(left).toBe("");
  });
});

describe("kubectl delete --cascade on a ReplicaSet", () => {
  const rs = (name: string): string =>
    JSON.stringify({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name, namespace: "rollout" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { set: name } },
        template: {
          metadata: { labels: { set: name } },
          spec: { containers: [{ name: "c", image: "busybox:1" }] },
        },
      },
    });
  const podsOf = async (name: string): Promise<string[]> =>
    (await kubectl.ok(["get", "pods", ...NS, "-l", `set=${name}`, "-o", "name"]))
      .trim()
      .split("\n")
      .filter(Boolean);
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ktl-rs-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const create = async (name: string): Promise<void> => {
    const file = join(dir, `${name}.json`);
    await writeFile(file, rs(name));
    await kubectl.ok(["create", "-f", file]);
    const deadline = Date.now() + 20_000;
    while ((await podsOf(name)).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(await podsOf(name)).toHaveLength(2);
  };

  it("background: the ReplicaSet goes at once and its pods follow", async () => {
    await create("bg");
    await kubectl.ok(["delete", "rs", "bg", ...NS, "--cascade=background"]);
    const deadline = Date.now() + 20_000;
    while ((await podsOf("bg")).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(await podsOf("bg")).toEqual([]);
  });

  it("foreground: kubectl returns once the pods and then the ReplicaSet are gone", async () => {
    await create("fg");
    await kubectl.ok(["delete", "rs", "fg", ...NS, "--cascade=foreground", "--timeout=30s"]);
    expect(await podsOf("fg")).toEqual([]);
    expect((await kubectl.run(["get", "rs", "fg", ...NS])).code).toBe(1);
  });

  it("orphan: the pods stay, without an owner", async () => {
    await create("or");
    await kubectl.ok(["delete", "rs", "or", ...NS, "--cascade=orphan"]);
    expect((await kubectl.run(["get", "rs", "or", ...NS])).code).toBe(1);
    const owners = await kubectl.ok([
      "get",
      "pods",
      ...NS,
      "-l",
      "set=or",
      "-o",
      "jsonpath={.items[*].metadata.ownerReferences}",
    ]);
    expect(await podsOf("or")).toHaveLength(2);
    expect(owners.trim()).toBe("");
  });
});
