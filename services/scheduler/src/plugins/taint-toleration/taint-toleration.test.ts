import { describe, expect, it } from "vitest";
import { Code } from "../../framework/interface.js";
import { makeNode, makeNodeInfo, makePod } from "../testing.js";
import { create, NAME } from "./index.js";
import { toleratesTaint } from "./taints.js";

describe("toleratesTaint", () => {
  const taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
  it.each([
    [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }, true],
    [{ key: "dedicated", operator: "Equal", value: "gpu" }, true],
    [{ key: "dedicated", operator: "Exists" }, true],
    [{ operator: "Exists" }, true],
    [{ key: "dedicated", value: "cpu" }, false],
    [{ key: "other", operator: "Exists" }, false],
    [{ key: "dedicated", operator: "Exists", effect: "NoExecute" }, false],
    [{ key: "dedicated", operator: "Bogus", value: "gpu" }, false],
  ])("%j → %s", (toleration, want) => {
    expect(toleratesTaint(toleration, taint)).toBe(want);
  });
});

describe(NAME, () => {
  const plugin = create();

  it("passes nodes without taints and PreferNoSchedule-only nodes", () => {
    const soft = makeNodeInfo(
      makeNode("n", { taints: [{ key: "k", value: "v", effect: "PreferNoSchedule" }] }),
    );
    expect(plugin.filter(new Map(), makePod("p"), makeNodeInfo(makeNode("n"))).code).toBe(Code.Success);
    expect(plugin.filter(new Map(), makePod("p"), soft).code).toBe(Code.Success);
  });

  it("rejects untolerated NoSchedule and NoExecute taints with Kubernetes' reason", () => {
    const gpu = makeNodeInfo(
      makeNode("n", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] }),
    );
    expect(plugin.filter(new Map(), makePod("p"), gpu)).toEqual({
      code: Code.UnschedulableAndUnresolvable,
      reasons: ["node(s) had untolerated taint {dedicated: gpu}"],
    });
    const noExec = makeNodeInfo(
      makeNode("n", { taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }] }),
    );
    expect(plugin.filter(new Map(), makePod("p"), noExec).reasons).toEqual([
      "node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
    ]);
  });

  it("passes when every hard taint is tolerated, and reports the first one that is not", () => {
    const node = makeNodeInfo(
      makeNode("n", {
        taints: [
          { key: "a", value: "1", effect: "NoSchedule" },
          { key: "b", value: "2", effect: "NoExecute" },
        ],
      }),
    );
    const both = makePod("p", {
      tolerations: [
        { key: "a", value: "1" },
        { key: "b", operator: "Exists" },
      ],
    });
    const onlyA = makePod("p", { tolerations: [{ key: "a", value: "1", effect: "NoSchedule" }] });
    expect(plugin.filter(new Map(), both, node).code).toBe(Code.Success);
    expect(plugin.filter(new Map(), onlyA, node).reasons).toEqual(["node(s) had untolerated taint {b: 2}"]);
  });

  it("scores untolerated PreferNoSchedule taints lower", () => {
    const state = new Map();
    const pod = makePod("p", {
      tolerations: [{ key: "tolerated", operator: "Exists", effect: "PreferNoSchedule" }],
    });
    const nodes = [
      makeNodeInfo(makeNode("clean")),
      makeNodeInfo(makeNode("one", { taints: [{ key: "x", effect: "PreferNoSchedule" }] })),
      makeNodeInfo(
        makeNode("two", {
          taints: [
            { key: "x", effect: "PreferNoSchedule" },
            { key: "y", effect: "PreferNoSchedule" },
            { key: "tolerated", effect: "PreferNoSchedule" },
            { key: "hard", effect: "NoSchedule" },
          ],
        }),
      ),
    ];
    const scores = Float64Array.from(nodes.map((n) => plugin.score(state, pod, n)));
    expect([...scores]).toEqual([0, 1, 2]);
    plugin.normalize(state, pod, nodes, scores);
    expect(Object.fromEntries(nodes.map((n, i) => [n.name, scores[i]]))).toEqual({
      clean: 100,
      one: 50,
      two: 0,
    });
    expect(plugin.weight).toBe(3);
  });

  it("normalizes all-clean nodes to the maximum", () => {
    const scores = Float64Array.from([0, 0]);
    plugin.normalize(new Map(), makePod("p"), [], scores);
    expect([...scores]).toEqual([100, 100]);
  });
});
