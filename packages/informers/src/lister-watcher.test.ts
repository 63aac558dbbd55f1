import { describe, expect, it } from "vitest";
import { findResource } from "@ktl/api";
import { listerWatcherFor, type ListWatchClient } from "./lister-watcher.js";

describe("listerWatcherFor", () => {
  it("fixes the namespace and selectors and passes the reflector's paging and resourceVersion", async () => {
    const calls: unknown[][] = [];
    const client = {
      list: (...args: unknown[]) => {
        calls.push(["list", ...args]);
        return Promise.resolve({ metadata: {}, items: [] });
      },
      // eslint-disable-next-line require-yield
      watch: async function* (...args: unknown[]) {
        calls.push(["watch", ...args]);
      },
    } as unknown as ListWatchClient;
    const pods = findResource("", "pods")!;
    const nodes = findResource("", "nodes")!;
    const signal = new AbortController().signal;

    const lw = listerWatcherFor(client, pods, { namespace: "ns1", labelSelector: "app=web" });
    await lw.list({ limit: 500, continue: "t" });
    for await (const _ of lw.watch({ resourceVersion: "7", allowWatchBookmarks: true }, signal));
    // Cluster-scoped: the namespace is dropped.
    await listerWatcherFor(client, nodes, { namespace: "ns1", fieldSelector: "metadata.name=n1" }).list({});

    expect(calls).toEqual([
      [
        "list",
        pods,
        "ns1",
        { labelSelector: "app=web", fieldSelector: undefined, limit: 500, continue: "t" },
      ],
      [
        "watch",
        pods,
        "ns1",
        {
          labelSelector: "app=web",
          fieldSelector: undefined,
          resourceVersion: "7",
          allowWatchBookmarks: true,
        },
        signal,
      ],
      ["list", nodes, undefined, { labelSelector: undefined, fieldSelector: "metadata.name=n1" }],
    ]);
  });
});
