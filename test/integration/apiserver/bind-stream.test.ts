/**
 * ApiServer.BindStream on a real apiserver and etcd, through
 * ApiClient.bindStreamed: the same answers as unary Bind (one success and one
 * 409 for a pod bound twice at once, 404 for a missing pod), each delivered to
 * the binding that asked, and pending bindings rejected with 503 when the
 * apiserver goes away under the stream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Pod } from "@ktl/api";
import { isConflict, isNotFound, type StatusError } from "@ktl/apimachinery";
import { ApiClient, type BindResult } from "@ktl/client";
import { startApiserver } from "@ktl/testing";
import { useApiserver } from "../cluster.js";

const PODS = findResource("", "pods")!;
const NAMESPACES = findResource("", "namespaces")!;
const cluster = useApiserver();

type Outcome = BindResult | "conflict" | "notfound" | StatusError;

function outcome(p: Promise<BindResult>): Promise<Outcome> {
  return p.then(
    (r) => r,
    (err: StatusError) => (isConflict(err) ? "conflict" : isNotFound(err) ? "notfound" : err),
  );
}

async function createPods(client: ApiClient, namespace: string, n: number): Promise<void> {
  await client.create(NAMESPACES, undefined, { metadata: { name: namespace } });
  for (let i = 0; i < n; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, (_, j) =>
        client.create<Pod>(PODS, namespace, {
          metadata: { name: `p-${i + j}` },
          spec: { containers: [{ name: "c", image: "busybox" }] },
        }),
      ),
    );
}

describe("BindStream", () => {
  let client: ApiClient;
  beforeAll(() => {
    client = new ApiClient(cluster.apiserver.grpcAddress);
  });
  afterAll(() => client?.close());

  it("binds each pod once: racing bindings get 409, a missing pod 404, each answer to its own binding", async () => {
    const n = 150;
    await createPods(client, "stream", n);
    const results = await Promise.all([
      ...Array.from({ length: n }, (_, i) => [
        outcome(client.bindStreamed("stream", `p-${i}`, "node-a")),
        outcome(client.bindStreamed("stream", `p-${i}`, "node-b")),
      ]).flat(),
      outcome(client.bindStreamed("stream", "missing", "node-a")),
    ]);
    expect(results.at(-1)).toBe("notfound");
    const pods = new Map(
      (await client.list<Pod>(PODS, "stream")).items.map((p) => [p.metadata?.name ?? "", p]),
    );
    for (let i = 0; i < n; i++) {
      const [a, b] = results.slice(2 * i, 2 * i + 2);
      const won = a === "conflict" ? b : a;
      expect([a, b]).toContain("conflict");
      expect(won).toHaveProperty("resourceVersion");
      const bound = pods.get(`p-${i}`);
      // The success went to the binding that asked for this pod and node.
      expect(bound?.spec?.nodeName).toBe(won === a ? "node-a" : "node-b");
      expect((won as BindResult).resourceVersion).toBe(bound?.metadata?.resourceVersion);
      expect(bound?.status?.conditions?.find((c) => c.type === "PodScheduled")?.status).toBe("True");
    }
  });

  it("rejects pending bindings with 503 when the apiserver goes away, and none of them was applied", async () => {
    await createPods(client, "broken", 20);
    const doomed = await startApiserver({ etcd: cluster.etcd.endpoint });
    const other = new ApiClient(doomed.grpcAddress);
    try {
      // The stream is open; then the apiserver freezes, takes bindings it never reads, and dies.
      await expect(other.bindStreamed("broken", "p-0", "node-a")).resolves.toHaveProperty("resourceVersion");
      doomed.child.process.kill("SIGSTOP");
      const pending = Array.from({ length: 19 }, (_, i) =>
        outcome(other.bindStreamed("broken", `p-${i + 1}`, "node-a")),
      );
      await new Promise((r) => setTimeout(r, 200));
      await doomed.child.kill();
      for (const result of await Promise.all(pending)) expect((result as StatusError).code).toBe(503);
      // The next binding opens a new stream, which fails the same way while nothing listens.
      expect(((await outcome(other.bindStreamed("broken", "p-1", "node-a"))) as StatusError).code).toBe(503);
    } finally {
      other.close();
      await doomed.stop();
    }
    const unbound = (await client.list<Pod>(PODS, "broken")).items.filter((p) => !p.spec?.nodeName);
    expect(unbound).toHaveLength(19);
  });
});
