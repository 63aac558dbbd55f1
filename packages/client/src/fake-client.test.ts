import { describe, expect, it } from "vitest";
import { findResource, type Pod } from "@ktl/api";
import { isAlreadyExists, isConflict, isNotFound } from "@ktl/apimachinery";
import { FakeApiClient } from "./fake-client.js";

const pods = findResource("", "pods")!;

describe("FakeApiClient", () => {
  it("creates, lists by selector, updates with preconditions, patches and deletes, recording actions", async () => {
    const client = new FakeApiClient();
    const a = await client.create<Pod>(pods, "ns", { metadata: { name: "a", labels: { app: "x" } } });
    await client.create<Pod>(pods, "ns", { metadata: { generateName: "b-", labels: { app: "y" } } });
    await expect(client.create<Pod>(pods, "ns", { metadata: { name: "a" } })).rejects.toSatisfy(
      isAlreadyExists,
    );
    expect(
      (await client.list<Pod>(pods, "ns", { labelSelector: "app=x" })).items.map((p) => p.metadata?.name),
    ).toEqual(["a"]);
    const updated = await client.update<Pod>(pods, { ...a, spec: { nodeName: "n1" } });
    await expect(client.update<Pod>(pods, a)).rejects.toSatisfy(isConflict);
    expect(updated.metadata?.uid).toBe(a.metadata?.uid);
    const patched = await client.patch<Pod>(pods, "ns", "a", { metadata: { labels: { app: "z" } } });
    expect(patched.metadata?.labels).toEqual({ app: "z" });
    await client.delete(pods, "ns", "a");
    await expect(client.get(pods, "ns", "a")).rejects.toSatisfy(isNotFound);
    expect(client.writes().map((w) => w.verb)).toEqual([
      "create",
      "create",
      "create",
      "update",
      "update",
      "patch",
      "delete",
    ]);
  });

  it("fails calls a reactor rejects", async () => {
    const client = new FakeApiClient();
    client.react((action) => (action.verb === "create" ? new Error("boom") : undefined));
    await expect(client.create<Pod>(pods, "ns", { metadata: { name: "a" } })).rejects.toThrow("boom");
  });
});
