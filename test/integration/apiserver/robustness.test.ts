import { describe, expect, it } from "vitest";
import { useApiserver } from "../cluster.js";

const cluster = useApiserver();

/** Inputs a careless or hostile client might send; none may crash the server or write anything. */
const BAD_BODIES: [string, string][] = [
  ["an array", "[1,2,3]"],
  ["null", "null"],
  ["a number", "42"],
  ["a string", '"pod"'],
  ["truncated JSON", '{"metadata":'],
  ["YAML instead of JSON", "apiVersion: v1\nkind: Pod\n"],
  ["deep nesting", "[".repeat(5000) + "]".repeat(5000)],
  ["metadata as a string", '{"metadata":"x"}'],
  ["labels as a list", '{"metadata":{"name":"x","labels":["a"]}}'],
  [
    "a huge number",
    '{"metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":1e308}]}]}}',
  ],
  ["containers as an object", '{"metadata":{"name":"x"},"spec":{"containers":{"name":"c"}}}'],
  ["invalid UTF-8", "\xff\xfe{}"],
  ["the wrong kind", '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"}}'],
];

describe("bad input", () => {
  it.each(BAD_BODIES)("answers %s with a 4xx Status and writes nothing", async (_label, body) => {
    const res = await cluster.api.post("/api/v1/namespaces/default/pods", body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.kind).toBe("Status");
    expect(res.body.status).toBe("Failure");
    const list = await cluster.api.get("/api/v1/namespaces/default/pods");
    expect(list.body.items).toEqual([]);
  });

  it("answers odd paths and parameters without crashing", async () => {
    const paths = [
      "/api/v1/namespaces/default/pods?limit=abc",
      "/api/v1/namespaces/default/pods?resourceVersion=-5",
      "/api/v1/namespaces/default/pods?continue=garbage",
      "/api/v1/namespaces/default/pods?labelSelector=%3D%3D%3D",
      "/api/v1/namespaces/default/pods?watch=true&resourceVersion=abc",
      "/api/v1/namespaces/%2F%2F/pods/x",
      "/apis/apps/v1/namespaces/default/deployments/x/scale/extra",
      "/api/v1/namespaces/default/pods/x/log",
    ];
    for (const path of paths) {
      const res = await fetch(cluster.apiserver.url + path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
    expect(cluster.apiserver.child.running).toBe(true);
    expect((await fetch(`${cluster.apiserver.url}/healthz`)).status).toBe(200);
  });

  it("answers verbs a path does not support with 405", async () => {
    const res = await cluster.api.request("PUT", "/api/v1/namespaces/default/pods", {});
    expect(res.status).toBe(405);
    expect(res.body.reason).toBe("MethodNotAllowed");
  });
});
