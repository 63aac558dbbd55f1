import { describe, expect, it } from "vitest";
import { useApiserver } from "../cluster.js";

const cluster = useApiserver({ args: ["--compaction-interval-seconds", "1"] });
const CMS = "/api/v1/namespaces/default/configmaps";

describe("etcd compaction", () => {
  it("compacts history, and a continue token older than it is 410 Expired", async () => {
    for (const name of ["a", "b", "c"]) await cluster.api.post(CMS, { metadata: { name } });
    const first = await cluster.api.get(`${CMS}?limit=1`);
    expect(first.body.metadata.continue).toBeTruthy();
    // A change moves the cache past the snapshot, so the next page must come from etcd.
    await cluster.api.post(CMS, { metadata: { name: "d" } });
    await new Promise((r) => setTimeout(r, 3500));
    const next = await cluster.api.get(`${CMS}?limit=1&continue=${first.body.metadata.continue}`);
    expect(next.status).toBe(410);
    expect(next.body.reason).toBe("Expired");
    // A fresh list still works.
    const fresh = await cluster.api.get(CMS);
    expect(fresh.body.items.map((i: any) => i.metadata.name)).toEqual(["a", "b", "c", "d"]);
  });
});
