import { describe, expect, it } from "vitest";
import type { Node } from "@ktl/api";
import { FakeApiClient } from "@ktl/client";
import type { Logger } from "@ktl/service";
import { waitForPodCidr } from "./pod-cidr.js";
import { NODES } from "./register.js";

const logged: string[] = [];
const log: Logger = {
  info: (m) => logged.push(m),
  warn: (m) => logged.push(m),
  error: (m) => logged.push(m),
};

describe("waitForPodCidr", () => {
  it("polls until the node-ipam controller set spec.podCIDR", async () => {
    const client = new FakeApiClient();
    client.seed(NODES, { metadata: { name: "n1" } } satisfies Node);
    const waiting = waitForPodCidr({
      client,
      nodeName: "n1",
      signal: new AbortController().signal,
      log,
      intervalMs: 10,
    });
    await new Promise((r) => setTimeout(r, 35));
    await client.patch(NODES, undefined, "n1", { spec: { podCIDR: "100.64.7.0/24" } });
    expect(await waiting).toBe("100.64.7.0/24");
    expect(logged).toContain("waiting for podCIDR");
    expect(client.actions.filter((a) => a.verb === "get").length).toBeGreaterThan(1);
  });

  it("stops when aborted", async () => {
    const client = new FakeApiClient();
    client.seed(NODES, { metadata: { name: "n1" } } satisfies Node);
    const abort = new AbortController();
    const waiting = waitForPodCidr({ client, nodeName: "n1", signal: abort.signal, log, intervalMs: 10 });
    setTimeout(() => abort.abort(new Error("shutting down")), 30);
    await expect(waiting).rejects.toThrow("shutting down");
  });
});
