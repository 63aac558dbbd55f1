import { describe, expect, it } from "vitest";
import { useApiserver } from "../cluster.js";
import { pod } from "./client.js";

const cluster = useApiserver();

describe("etcd outage", () => {
  it("answers 503 while etcd is down, never crashes, and recovers by itself", async () => {
    expect((await cluster.api.post("/api/v1/namespaces/default/pods", pod("before"))).status).toBe(201);
    await cluster.etcd.pause();
    const started = Date.now();
    const during = await cluster.api.post("/api/v1/namespaces/default/pods", pod("during"));
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ kind: "Status", reason: "ServiceUnavailable" });
    expect(during.body.message).toContain("etcd");
    expect(Date.now() - started).toBeLessThan(15_000);
    const ready = await fetch(`${cluster.apiserver.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(cluster.apiserver.child.running).toBe(true);

    await cluster.etcd.resume();
    const deadline = Date.now() + 20_000;
    let after = await cluster.api.post("/api/v1/namespaces/default/pods", pod("after"));
    while (after.status !== 201 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      after = await cluster.api.post("/api/v1/namespaces/default/pods", pod("after"));
    }
    expect(after.status).toBe(201);
    const names = (await cluster.api.get("/api/v1/namespaces/default/pods")).body.items.map(
      (p: any) => p.metadata.name,
    );
    expect(names).toEqual(["after", "before"]);
  }, 60_000);
});
