import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type ConfigMap, type Pod } from "@ktl/api";
import { isConflict, isNotFound, StatusError } from "@ktl/apimachinery";
import { ApiClient, type WatchEvent } from "@ktl/client";
import { RestClient } from "./client.js";
import { useApiserver } from "../cluster.js";

const cluster = useApiserver();
let client: ApiClient;
const pods = findResource("", "pods")!;
const configmaps = findResource("", "configmaps")!;

beforeAll(async () => {
  client = new ApiClient(cluster.apiserver.grpcAddress);
});

afterAll(async () => {
  client?.close();
});

describe("gRPC front door", () => {
  it("creates, gets, updates, patches and deletes through the same registry as REST", async () => {
    const created = await client.create<Pod>(pods, "default", {
      metadata: { name: "g1", labels: { app: "g" } },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    });
    expect(created.kind).toBe("Pod");
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.spec?.restartPolicy).toBe("Always");

    // What gRPC wrote, REST reads identically.
    const rest = await new RestClient(cluster.apiserver.url).get("/api/v1/namespaces/default/pods/g1");
    expect(rest.body).toEqual(created);

    const status = await client.updateStatus<Pod>(pods, {
      ...created,
      status: { phase: "Running", podIP: "100.64.0.5" },
    });
    expect(status.status?.phase).toBe("Running");
    const patched = await client.patch<Pod>(pods, "default", "g1", { metadata: { labels: { tier: "web" } } });
    expect(patched.metadata?.labels).toEqual({ app: "g", tier: "web" });

    await expect(client.update<Pod>(pods, created)).rejects.toSatisfy(isConflict);
    await client.delete(pods, "default", "g1");
    await expect(client.get(pods, "default", "g1")).rejects.toSatisfy(isNotFound);
  });

  it("returns validation errors as Status with field paths", async () => {
    const err = await client
      .create<Pod>(pods, "default", { metadata: { name: "BAD" }, spec: { containers: [] } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).status.code).toBe(422);
    expect((err as StatusError).status.details?.causes?.map((c) => c.field)).toContain("metadata.name");
  });

  it("lists with selectors and watches from a resourceVersion", async () => {
    for (const name of ["w1", "w2", "w3"]) {
      await client.create<ConfigMap>(configmaps, "default", {
        metadata: { name, labels: { set: name === "w3" ? "b" : "a" } },
        data: { k: name },
      });
    }
    const list = await client.list<ConfigMap>(configmaps, "default", { labelSelector: "set=a" });
    expect(list.items.map((c) => c.metadata?.name)).toEqual(["w1", "w2"]);

    const abort = new AbortController();
    const seen: WatchEvent<ConfigMap>[] = [];
    const done = (async () => {
      for await (const ev of client.watch<ConfigMap>(
        configmaps,
        "default",
        { resourceVersion: list.metadata.resourceVersion },
        abort.signal,
      )) {
        seen.push(ev);
        if (seen.length === 2) abort.abort();
      }
    })();
    await client.patch(configmaps, "default", "w1", { data: { k: "changed" } });
    await client.delete(configmaps, "default", "w2");
    await done;
    expect(seen.map((e) => [e.type, e.object.metadata?.name])).toEqual([
      ["MODIFIED", "w1"],
      ["DELETED", "w2"],
    ]);
    expect(seen[0]?.object.data).toEqual({ k: "changed" });
  });
});
