import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Namespace, type ResourceInfo } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import { ApiClient, type ApiObject } from "@ktl/client";
import { startControllerManager, type ServiceProcess, until } from "@ktl/testing";
import { useApiserver } from "../cluster.js";

const cluster = useApiserver();
const namespaces = findResource("", "namespaces")!;
const configmaps = findResource("", "configmaps")!;
const pods = findResource("", "pods")!;
const services = findResource("", "services")!;
const deployments = findResource("apps", "deployments")!;
const NS = "doomed";

let client: ApiClient;
let manager: ServiceProcess;

beforeAll(async () => {
  client = new ApiClient(cluster.apiserver.grpcAddress);
  manager = await startControllerManager({
    apiserver: cluster.apiserver.grpcAddress,
    args: ["--controllers", "namespace", "--leader-elect", "false"],
  });
});

afterAll(async () => {
  await manager?.stop();
  client?.close();
});

const labels = { app: "web" };
const podSpec = (nodeName?: string) => ({
  ...(nodeName ? { nodeName } : {}),
  containers: [{ name: "c", image: "busybox" }],
});

/** 100 objects: 40 ConfigMaps, 30 Pods (10 bound to a node, so they would get a grace period), 20 Services, 10 Deployments. */
function content(): [ResourceInfo, ApiObject][] {
  const out: [ResourceInfo, ApiObject][] = [];
  for (let i = 0; i < 40; i++)
    out.push([configmaps, { metadata: { name: `cm-${i}` }, data: { i: String(i) } } as ApiObject]);
  for (let i = 0; i < 30; i++) {
    out.push([
      pods,
      { metadata: { name: `pod-${i}`, labels }, spec: podSpec(i < 10 ? "node-1" : undefined) } as ApiObject,
    ]);
  }
  for (let i = 0; i < 20; i++) {
    out.push([
      services,
      { metadata: { name: `svc-${i}` }, spec: { selector: labels, ports: [{ port: 80 }] } } as ApiObject,
    ]);
  }
  for (let i = 0; i < 10; i++) {
    out.push([
      deployments,
      {
        metadata: { name: `deploy-${i}` },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: podSpec() },
        },
      } as ApiObject,
    ]);
  }
  return out;
}

async function count(info: ResourceInfo): Promise<number> {
  return (await client.list(info, NS)).items.length;
}

describe("namespace controller", () => {
  it("deletes a namespace with 100 objects: Terminating, then everything and the namespace go", async () => {
    await client.create<Namespace>(namespaces, undefined, { metadata: { name: NS } });
    const objects = content();
    for (let i = 0; i < objects.length; i += 20) {
      await Promise.all(objects.slice(i, i + 20).map(([info, obj]) => client.create(info, NS, obj)));
    }
    expect(await Promise.all([configmaps, pods, services, deployments].map(count))).toEqual([40, 30, 20, 10]);

    // Record the namespace's last state before it went, to read the controller's conditions.
    const start = await client.get<Namespace>(namespaces, undefined, NS);
    const stop = new AbortController();
    let last: Namespace | undefined;
    let deleted = false;
    const watching = (async () => {
      const events = client.watch<Namespace>(
        namespaces,
        undefined,
        { resourceVersion: start.metadata?.resourceVersion },
        stop.signal,
      );
      for await (const ev of events) {
        if (ev.object.metadata?.name !== NS) continue;
        if (ev.type === "DELETED") deleted = true;
        else last = ev.object;
      }
    })();

    const marked = await client.delete<Namespace>(namespaces, undefined, NS);
    expect(marked.status?.phase).toBe("Terminating");
    expect(marked.metadata?.deletionTimestamp).toBeTruthy();
    expect(marked.spec?.finalizers).toEqual(["kubernetes"]);

    await until("the namespace to go", async () => {
      try {
        await client.get(namespaces, undefined, NS);
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
    expect(await Promise.all([configmaps, pods, services, deployments].map(count))).toEqual([0, 0, 0, 0]);

    await until("the watch to see the deletion", () => Promise.resolve(deleted));
    stop.abort();
    await watching;
    const conditions = Object.fromEntries((last?.status?.conditions ?? []).map((c) => [c.type, c.reason]));
    expect(conditions).toMatchObject({
      NamespaceDeletionContentFailure: "ContentDeleted",
      NamespaceContentRemaining: "ContentRemoved",
      NamespaceFinalizersRemaining: "ContentHasNoFinalizers",
    });
  });

  it("refuses new content while the namespace terminates, and waits for content held by a finalizer", async () => {
    await client.create<Namespace>(namespaces, undefined, { metadata: { name: "slow" } });
    await client.create(configmaps, "slow", {
      metadata: { name: "held", finalizers: ["example.com/hold"] },
    } as ApiObject);
    await client.delete(namespaces, undefined, "slow");

    await expect(
      client.create(configmaps, "slow", { metadata: { name: "late" } } as ApiObject),
    ).rejects.toThrow(/being terminated/);
    await until("the controller to report the remaining content", async () => {
      const ns = await client.get<Namespace>(namespaces, undefined, "slow");
      return (ns.status?.conditions ?? []).some(
        (c) => c.type === "NamespaceFinalizersRemaining" && c.status === "True",
      );
    });
    const held = await client.get<ApiObject>(configmaps, "slow", "held");
    expect(held.metadata?.deletionTimestamp).toBeTruthy();

    // Let it go: the namespace follows.
    await client.patch(configmaps, "slow", "held", { metadata: { finalizers: null } });
    await until("the namespace to go", async () => {
      try {
        await client.get(namespaces, undefined, "slow");
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
  });
});
