import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type ConfigMap, type Namespace, type OwnerReference } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import { ApiClient } from "@ktl/client";
import { startControllerManager, type ServiceProcess, until } from "@ktl/testing";
import { useApiserver } from "../cluster.js";

const cluster = useApiserver();
const configmaps = findResource("", "configmaps")!;
const namespaces = findResource("", "namespaces")!;
const NS = "gc";

let client: ApiClient;
let manager: ServiceProcess;

beforeAll(async () => {
  client = new ApiClient(cluster.apiserver.grpcAddress);
  await client.create<Namespace>(namespaces, undefined, { metadata: { name: NS } });
  manager = await startControllerManager({
    apiserver: cluster.apiserver.grpcAddress,
    args: ["--controllers", "garbage-collector", "--leader-elect", "false"],
  });
});

afterAll(async () => {
  await manager?.stop();
  client?.close();
});

async function get(name: string): Promise<ConfigMap | undefined> {
  try {
    return await client.get<ConfigMap>(configmaps, NS, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

const exists = async (name: string) => (await get(name)) !== undefined;

function ownerRef(owner: ConfigMap, extra: Partial<OwnerReference> = {}): OwnerReference {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    name: owner.metadata!.name,
    uid: owner.metadata!.uid,
    ...extra,
  };
}

/** An owner ConfigMap and `n` ConfigMaps that it owns. */
async function family(prefix: string, n: number, extra: Partial<OwnerReference> = {}) {
  const owner = await client.create<ConfigMap>(configmaps, NS, { metadata: { name: `${prefix}-owner` } });
  const dependents = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      client.create<ConfigMap>(configmaps, NS, {
        metadata: { name: `${prefix}-dep-${i}`, ownerReferences: [ownerRef(owner, extra)] },
        data: { i: String(i) },
      }),
    ),
  );
  return { owner, names: dependents.map((d) => d.metadata!.name!) };
}

describe("garbage collector", () => {
  it("background: the owner goes at once, then its dependents", async () => {
    const { names } = await family("bg", 3);
    await client.delete(configmaps, NS, "bg-owner", { propagationPolicy: "Background" });
    expect(await exists("bg-owner")).toBe(false);
    await until("the dependents to be collected", async () => {
      const left = await Promise.all(names.map(exists));
      return left.every((e) => !e);
    });
  });

  it("foreground: the owner stays, marked, until its blocking dependents are gone", async () => {
    const list = await client.list<ConfigMap>(configmaps, NS);
    const stop = new AbortController();
    const deleted: string[] = [];
    const watching = (async () => {
      const events = client.watch<ConfigMap>(
        configmaps,
        NS,
        { resourceVersion: list.metadata.resourceVersion },
        stop.signal,
      );
      for await (const ev of events) if (ev.type === "DELETED") deleted.push(ev.object.metadata!.name!);
    })();
    const { names } = await family("fg", 3, { blockOwnerDeletion: true });

    const marked = await client.delete<ConfigMap>(configmaps, NS, "fg-owner", {
      propagationPolicy: "Foreground",
    });
    expect(marked.metadata?.deletionTimestamp).toBeTruthy();
    expect(marked.metadata?.finalizers).toContain("foregroundDeletion");

    await until("the owner to go", async () => !(await exists("fg-owner")));
    await until("the watch to see it", () => Promise.resolve(deleted.includes("fg-owner")));
    stop.abort();
    await watching;
    // Every dependent went before the owner did.
    expect(deleted.indexOf("fg-owner")).toBe(deleted.length - 1);
    expect([...deleted].sort()).toEqual([...names, "fg-owner"].sort());
  });

  it("orphan: the owner goes, its dependents stay without the reference", async () => {
    const { names } = await family("or", 3);
    const marked = await client.delete<ConfigMap>(configmaps, NS, "or-owner", {
      propagationPolicy: "Orphan",
    });
    expect(marked.metadata?.finalizers).toContain("orphan");
    await until("the owner to go", async () => !(await exists("or-owner")));
    // Give a wrong collector time to do harm.
    await sleep(500);
    for (const name of names) {
      const dep = await get(name);
      expect(dep, name).toBeDefined();
      expect(dep?.metadata?.ownerReferences ?? []).toEqual([]);
    }
  });

  it("keeps a dependent that has another live owner, dropping the reference to the gone one", async () => {
    const a = await client.create<ConfigMap>(configmaps, NS, { metadata: { name: "two-a" } });
    const b = await client.create<ConfigMap>(configmaps, NS, { metadata: { name: "two-b" } });
    await client.create<ConfigMap>(configmaps, NS, {
      metadata: { name: "two-dep", ownerReferences: [ownerRef(a), ownerRef(b)] },
    });
    await client.delete(configmaps, NS, "two-a");
    await until("the dangling reference to be removed", async () => {
      const refs = (await get("two-dep"))?.metadata?.ownerReferences ?? [];
      return refs.length === 1;
    });
    expect((await get("two-dep"))?.metadata?.ownerReferences).toEqual([ownerRef(b)]);
  });

  it("collects a dependent of an owner that never existed", async () => {
    await client.create<ConfigMap>(configmaps, NS, {
      metadata: {
        name: "ghost-dep",
        ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "ghost", uid: randomUUID() }],
      },
    });
    await until("the dependent to be collected", async () => !(await exists("ghost-dep")));
  });
});
