import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiserver, startEtcd, type ApiserverProcess, type EtcdServer } from "@ktl/testing";
import { RestClient } from "./client.js";

let etcd: EtcdServer;
let apiserver: ApiserverProcess;
let api: RestClient;
const CMS = "/api/v1/namespaces/default/configmaps";

beforeAll(async () => {
  etcd = await startEtcd();
  apiserver = await startApiserver({ etcd: etcd.endpoint, args: ["--compaction-interval-seconds", "1"] });
  api = new RestClient(apiserver.url);
});

afterAll(async () => {
  await apiserver?.stop();
  await etcd?.stop();
});

describe("etcd compaction", () => {
  it("compacts history, and a continue token older than it is 410 Expired", async () => {
    for (const name of ["a", "b", "c"]) await api.post(CMS, { metadata: { name } });
    const first = await api.get(`${CMS}?limit=1`);
    expect(first.body.metadata.continue).toBeTruthy();
    // A change moves the cache past the snapshot, so the next page must come from etcd.
    await api.post(CMS, { metadata: { name: "d" } });
    await new Promise((r) => setTimeout(r, 3500));
    const next = await api.get(`${CMS}?limit=1&continue=${first.body.metadata.continue}`);
    expect(next.status).toBe(410);
    expect(next.body.reason).toBe("Expired");
    // A fresh list still works.
    const fresh = await api.get(CMS);
    expect(fresh.body.items.map((i: any) => i.metadata.name)).toEqual(["a", "b", "c", "d"]);
  });
});
