import { describe, expect, it } from "vitest";
import { HANDLE_KEY, type NodeInfo } from "../../framework/interface.js";
import { makeNode, makeNodeInfo, makePod } from "../testing.js";
import { create, NAME, ownerKey } from "./index.js";

function run(plugin: ReturnType<typeof create>, pod: ReturnType<typeof makePod>, nodes: NodeInfo[]) {
  const state = new Map();
  plugin.preScore(state, pod);
  const scores = Float64Array.from(nodes.map((n) => plugin.score(state, pod, n)));
  const byName = (): Record<string, number> =>
    Object.fromEntries(nodes.map((n, i) => [n.name, scores[i] ?? 0]));
  const raw = byName();
  plugin.normalize(state, pod, nodes, scores);
  return { raw, normalized: byName() };
}

describe(NAME, () => {
  const plugin = create();
  const rs = (name: string, extra: Parameters<typeof makePod>[1] = {}) =>
    makePod(name, { owner: "ReplicaSet/web", ...extra });

  it("identifies pods by namespace and controller owner", () => {
    expect(ownerKey(makePod("a"))).toBeUndefined();
    expect(ownerKey(rs("a"))).toBe(ownerKey(rs("b")));
    expect(ownerKey(rs("a"))).not.toBe(ownerKey(rs("b", { namespace: "other" })));
    expect(ownerKey(rs("a"))).not.toBe(ownerKey(makePod("b", { owner: "ReplicaSet/api" })));
  });

  it("prefers nodes with fewer pods of the same owner", () => {
    const nodes = [
      makeNodeInfo(makeNode("two"), [rs("a"), rs("b"), makePod("x", { owner: "ReplicaSet/api" })]),
      makeNodeInfo(makeNode("one"), [rs("c"), makePod("y")]),
      makeNodeInfo(makeNode("none"), [rs("d", { namespace: "other" }), rs("e", { deleting: true })]),
    ];
    const { raw, normalized } = run(plugin, rs("p"), nodes);
    expect(raw).toEqual({ two: 2, one: 1, none: 0 });
    expect(normalized).toEqual({ two: 0, one: 50, none: 100 });
    expect(plugin.weight).toBe(2);
  });

  it("gives every node the maximum when no peers exist", () => {
    const nodes = [makeNodeInfo(makeNode("a")), makeNodeInfo(makeNode("b"))];
    expect(run(plugin, rs("p"), nodes).normalized).toEqual({ a: 100, b: 100 });
  });

  it("leaves pods without a controller unscored", () => {
    const nodes = [makeNodeInfo(makeNode("a"), [rs("x")]), makeNodeInfo(makeNode("b"))];
    expect(run(plugin, makePod("p"), nodes).normalized).toEqual({ a: 0, b: 0 });
  });

  it("blends in zone counts with weight 2/3", () => {
    const zone = (z: string) => ({ "topology.kubernetes.io/zone": z });
    const nodes = [
      makeNodeInfo(makeNode("a1", { labels: zone("a") }), [rs("1")]),
      makeNodeInfo(makeNode("a2", { labels: zone("a") })),
      makeNodeInfo(makeNode("b1", { labels: zone("b") })),
    ];
    // a1: node 0, zone 0 → 0; a2: node 100, zone 0 → 33; b1: node 100, zone 100 → 100.
    expect(run(plugin, rs("p"), nodes).normalized).toEqual({ a1: 0, a2: 33, b1: 100 });
  });

  it("counts on its own when preScore did not run", () => {
    const node = makeNodeInfo(makeNode("a"), [rs("x"), rs("y")]);
    expect(plugin.score(new Map(), rs("p"), node)).toBe(2);
  });

  it("spreads 9 replicas evenly over 3 nodes", () => {
    const pods: Record<string, ReturnType<typeof makePod>[]> = { n1: [], n2: [], n3: [] };
    for (let i = 0; i < 9; i++) {
      const pod = rs(`r${i}`);
      const nodes = Object.entries(pods).map(([name, ps]) => makeNodeInfo(makeNode(name), ps));
      const { normalized } = run(plugin, pod, nodes);
      const best = Object.entries(normalized).sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
      pods[best]?.push(pod);
    }
    expect(Object.values(pods).map((p) => p.length)).toEqual([3, 3, 3]);
  });

  it("scores all nodes at once from the cluster's per-controller index, as node by node", () => {
    const web = rs("p");
    const nodes = Array.from({ length: 40 }, (_, i) =>
      makeNodeInfo(makeNode(`n${i}`), i % 13 === 0 ? [rs(`a${i}`), rs(`b${i}`)] : i === 7 ? [rs("c")] : []),
    );
    const index = new Map<string, Map<string, number>>();
    for (const n of nodes)
      for (const [owner, count] of n.peerCounts)
        index.set(owner, (index.get(owner) ?? new Map()).set(n.name, count));
    for (const handle of [{ peersOf: (owner: string) => index.get(owner) }, undefined]) {
      const state = new Map<string, unknown>(handle ? [[HANDLE_KEY, handle]] : []);
      plugin.preScore(state, web);
      const all = new Float64Array(nodes.length).fill(-1);
      plugin.scoreAll(state, web, nodes, all);
      expect([...all]).toEqual(nodes.map((n) => plugin.score(state, web, n)));
    }
    const none = new Float64Array(nodes.length).fill(-1);
    plugin.scoreAll(new Map(), makePod("solo"), nodes, none);
    expect([...none].every((v) => v === 0)).toBe(true);
  });
});
