import { beforeAll, describe, expect, it } from "vitest";
import { useApiserver } from "../cluster.js";
import { openWatch, pod } from "./client.js";

const cluster = useApiserver({ args: ["--watch-cache-events", "30", "--bookmark-interval-seconds", "1"] });
const PODS = "/api/v1/namespaces/default/pods";

beforeAll(async () => {
  // A small event window so that "too old" can be reached; fast bookmarks.
  await cluster.api.post("/api/v1/namespaces", { metadata: { name: "other" } });
  const specs = [
    { name: "a1", labels: { app: "a", tier: "web" }, nodeName: "n1" },
    { name: "a2", labels: { app: "a", tier: "db" }, nodeName: "n2" },
    { name: "b1", labels: { app: "b" }, nodeName: "n1" },
    { name: "c1", labels: { app: "c", tier: "web" } },
  ];
  for (const s of specs) {
    const res = await cluster.api.post(
      PODS,
      pod(s.name, { metadata: { labels: s.labels }, spec: s.nodeName ? { nodeName: s.nodeName } : {} }),
    );
    expect(res.status).toBe(201);
  }
  await cluster.api.post("/api/v1/namespaces/other/pods", pod("o1"));
});

const names = (body: any): string[] => body.items.map((i: any) => i.metadata.name);

describe("lists", () => {
  it("lists one namespace, or all of them", async () => {
    expect(names((await cluster.api.get(PODS)).body)).toEqual(["a1", "a2", "b1", "c1"]);
    expect(names((await cluster.api.get("/api/v1/pods")).body)).toEqual(["a1", "a2", "b1", "c1", "o1"]);
    const list = (await cluster.api.get(PODS)).body;
    expect(list.kind).toBe("PodList");
    expect(list.apiVersion).toBe("v1");
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it("filters by equality and set-based label selectors", async () => {
    const q = (s: string) =>
      cluster.api.get(`${PODS}?labelSelector=${encodeURIComponent(s)}`).then((r) => names(r.body));
    expect(await q("app=a")).toEqual(["a1", "a2"]);
    expect(await q("app!=a")).toEqual(["b1", "c1"]);
    expect(await q("tier in (web,db),app notin (c)")).toEqual(["a1", "a2"]);
    expect(await q("tier")).toEqual(["a1", "a2", "c1"]);
    expect(await q("!tier")).toEqual(["b1"]);
  });

  it("refuses a malformed label selector with 400", async () => {
    const res = await cluster.api.get(`${PODS}?labelSelector=${encodeURIComponent("app in (a")}`);
    expect(res.status).toBe(400);
  });

  it("filters by field selectors", async () => {
    const q = (s: string) =>
      cluster.api.get(`/api/v1/pods?fieldSelector=${encodeURIComponent(s)}`).then((r) => names(r.body));
    expect(await q("spec.nodeName=n1")).toEqual(["a1", "b1"]);
    expect(await q("spec.nodeName=")).toEqual(["c1", "o1"]);
    expect(await q("metadata.namespace=other")).toEqual(["o1"]);
    expect(await q("status.phase=Pending,metadata.name!=a1")).toEqual(["a2", "b1", "c1", "o1"]);
    const bad = await cluster.api.get(`/api/v1/pods?fieldSelector=spec.foo=1`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("field label not supported: spec.foo");
  });

  it("pages with limit and continue from one snapshot", async () => {
    const first = (await cluster.api.get(`/api/v1/pods?limit=2`)).body;
    expect(names(first)).toEqual(["a1", "a2"]);
    expect(first.metadata.continue).toBeTruthy();
    // A change between pages does not show up in later pages of the same list.
    await cluster.api.post(PODS, pod("b0"));
    const second = (await cluster.api.get(`/api/v1/pods?limit=2&continue=${first.metadata.continue}`)).body;
    expect(names(second)).toEqual(["b1", "c1"]);
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    const third = (await cluster.api.get(`/api/v1/pods?limit=2&continue=${second.metadata.continue}`)).body;
    expect(names(third)).toEqual(["o1"]);
    expect(third.metadata.continue).toBeUndefined();
    await cluster.api.delete(`${PODS}/b0`);
  });
});

describe("watches", () => {
  it("streams ADDED, MODIFIED and DELETED from a resourceVersion, filtered by labels", async () => {
    const rv = (await cluster.api.get(PODS)).body.metadata.resourceVersion;
    const watch = await openWatch(
      cluster.apiserver.url,
      `${PODS}?watch=true&resourceVersion=${rv}&labelSelector=app%3Dw`,
    );
    expect(watch.status).toBe(200);
    await cluster.api.post(PODS, pod("w1", { metadata: { labels: { app: "w" } } }));
    await cluster.api.post(PODS, pod("x1", { metadata: { labels: { app: "x" } } }));
    await cluster.api.patch(
      `${PODS}/w1`,
      { metadata: { annotations: { a: "b" } } },
      "application/merge-patch+json",
    );
    // Moving out of the selector is a DELETED for this watcher.
    await cluster.api.patch(
      `${PODS}/w1`,
      { metadata: { labels: { app: "gone" } } },
      "application/merge-patch+json",
    );
    const events = await watch.waitFor(3);
    watch.close();
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ["ADDED", "w1"],
      ["MODIFIED", "w1"],
      ["DELETED", "w1"],
    ]);
    expect(events[1]?.object.metadata.annotations).toEqual({ a: "b" });
  });

  it("sends the current objects first when no resourceVersion is given", async () => {
    const watch = await openWatch(cluster.apiserver.url, `/api/v1/namespaces/other/pods?watch=1`);
    const events = await watch.waitFor(1);
    watch.close();
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([["ADDED", "o1"]]);
  });

  it("sends bookmarks to watchers that allow them", async () => {
    const rv = (await cluster.api.get(PODS)).body.metadata.resourceVersion;
    const watch = await openWatch(
      cluster.apiserver.url,
      `${PODS}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
    );
    const events = await watch.waitFor(1, 4000);
    watch.close();
    expect(events[0]?.type).toBe("BOOKMARK");
    expect(Number(events[0]?.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
  });

  it("answers a too old resourceVersion with 410 Gone", async () => {
    const rv = (await cluster.api.get(PODS)).body.metadata.resourceVersion;
    for (let i = 0; i < 40; i++) {
      await cluster.api.post("/api/v1/namespaces/default/pods", pod(`churn-${i}`));
    }
    const watch = await openWatch(cluster.apiserver.url, `${PODS}?watch=true&resourceVersion=${rv}`);
    const events = await watch.waitFor(1);
    watch.close();
    expect(events[0]?.type).toBe("ERROR");
    expect(events[0]?.object).toMatchObject({ kind: "Status", code: 410 });
  });

  it("ends a watch after timeoutSeconds", async () => {
    const watch = await openWatch(
      cluster.apiserver.url,
      `${PODS}?watch=true&timeoutSeconds=1&resourceVersion=1000000`,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(watch.ended).toBe(true);
    watch.close();
  });
});
