import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiserver, startEtcd, type ApiserverProcess, type EtcdServer } from "@ktl/testing";
import { RestClient, pod } from "./client.js";

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let api: RestClient;

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint });
  api = new RestClient(apiserver.url);
});

afterAll(async () => {
  await apiserver?.stop();
  await etcd?.stop();
});

describe("etcd outage", () => {
  it("answers 503 while etcd is down, never crashes, and recovers by itself", async () => {
    expect((await api.post("/api/v1/namespaces/default/pods", pod("before"))).status).toBe(201);
    await etcd.pause();
    const started = Date.now();
    const during = await api.post("/api/v1/namespaces/default/pods", pod("during"));
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ kind: "Status", reason: "ServiceUnavailable" });
    expect(during.body.message).toContain("etcd");
    expect(Date.now() - started).toBeLessThan(15_000);
    const ready = await fetch(`${apiserver.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(apiserver.child.running).toBe(true);

    await etcd.resume();
    const deadline = Date.now() + 20_000;
    let after = await api.post("/api/v1/namespaces/default/pods", pod("after"));
    while (after.status !== 201 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      after = await api.post("/api/v1/namespaces/default/pods", pod("after"));
    }
    expect(after.status).toBe(201);
    const names = (await api.get("/api/v1/namespaces/default/pods")).body.items.map(
      (p: any) => p.metadata.name,
    );
    expect(names).toEqual(["after", "before"]);
  }, 60_000);
});
