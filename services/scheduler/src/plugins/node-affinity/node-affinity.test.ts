import type { NodeSelectorRequirement, NodeSelectorTerm } from "@ktl/api";
import { describe, expect, it } from "vitest";
import { Code } from "../../framework/interface.js";
import { makeNode, makeNodeInfo, makePod } from "../testing.js";
import { create, NAME } from "./index.js";

const REASON = "node(s) didn't match Pod's node affinity/selector";
const node = makeNodeInfo(makeNode("n1", { labels: { zone: "a", disk: "ssd", cores: "8" } }));

function requiring(...terms: NodeSelectorTerm[]) {
  return makePod("p", {
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
    },
  });
}
const expr = (...matchExpressions: NodeSelectorRequirement[]): NodeSelectorTerm => ({ matchExpressions });

describe(`${NAME} filter`, () => {
  const plugin = create();
  const fits = (pod: ReturnType<typeof makePod>) => plugin.filter(new Map(), pod, node).code === Code.Success;

  it("passes unconstrained pods", () => {
    expect(fits(makePod("p"))).toBe(true);
  });

  it("matches nodeSelector exactly", () => {
    expect(fits(makePod("p", { nodeSelector: { zone: "a", disk: "ssd" } }))).toBe(true);
    expect(plugin.filter(new Map(), makePod("p", { nodeSelector: { zone: "b" } }), node)).toEqual({
      code: Code.UnschedulableAndUnresolvable,
      reasons: [REASON],
    });
  });

  it.each<[NodeSelectorRequirement, boolean]>([
    [{ key: "zone", operator: "In", values: ["a", "b"] }, true],
    [{ key: "zone", operator: "In", values: ["b"] }, false],
    [{ key: "zone", operator: "NotIn", values: ["b"] }, true],
    [{ key: "zone", operator: "NotIn", values: ["a"] }, false],
    [{ key: "missing", operator: "NotIn", values: ["a"] }, true],
    [{ key: "disk", operator: "Exists" }, true],
    [{ key: "gpu", operator: "Exists" }, false],
    [{ key: "gpu", operator: "DoesNotExist" }, true],
    [{ key: "disk", operator: "DoesNotExist" }, false],
    [{ key: "cores", operator: "Gt", values: ["4"] }, true],
    [{ key: "cores", operator: "Gt", values: ["8"] }, false],
    [{ key: "cores", operator: "Lt", values: ["16"] }, true],
    [{ key: "zone", operator: "Gt", values: ["1"] }, false],
    [{ key: "cores", operator: "Gt", values: ["x"] }, false],
    [{ key: "zone", operator: "In", values: [] }, false],
    [{ key: "zone", operator: "Bogus", values: ["a"] }, false],
  ])("required %j → %s", (req, want) => {
    expect(fits(requiring(expr(req)))).toBe(want);
  });

  it("ANDs requirements within a term and ORs terms", () => {
    const zoneA = { key: "zone", operator: "In", values: ["a"] };
    const zoneB = { key: "zone", operator: "In", values: ["b"] };
    expect(fits(requiring(expr(zoneA, { key: "disk", operator: "In", values: ["hdd"] })))).toBe(false);
    expect(fits(requiring(expr(zoneB), expr(zoneA)))).toBe(true);
  });

  it("never matches empty terms or an empty term list", () => {
    expect(fits(requiring({}))).toBe(false);
    expect(fits(requiring())).toBe(false);
  });

  it("matches fields on metadata.name", () => {
    expect(fits(requiring({ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }))).toBe(
      true,
    );
    expect(fits(requiring({ matchFields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] }))).toBe(
      false,
    );
    expect(
      fits(requiring({ matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["n2"] }] })),
    ).toBe(true);
    expect(fits(requiring({ matchFields: [{ key: "metadata.uid", operator: "In", values: ["n1"] }] }))).toBe(
      false,
    );
  });

  it("needs both nodeSelector and affinity to match", () => {
    const pod = makePod("p", {
      nodeSelector: { zone: "b" },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [expr({ key: "zone", operator: "Exists" })],
          },
        },
      },
    });
    expect(fits(pod)).toBe(false);
  });
});

describe(`${NAME} score`, () => {
  const plugin = create();
  const pod = makePod("p", {
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, preference: expr({ key: "zone", operator: "In", values: ["a"] }) },
          { weight: 30, preference: expr({ key: "disk", operator: "In", values: ["ssd"] }) },
          { weight: 50, preference: {} },
        ],
      },
    },
  });

  it("sums the weights of matching preferences and normalizes to 0–100", () => {
    const state = new Map();
    const nodes = [
      makeNodeInfo(makeNode("both", { labels: { zone: "a", disk: "ssd" } })),
      makeNodeInfo(makeNode("zone", { labels: { zone: "a" } })),
      makeNodeInfo(makeNode("none")),
    ];
    const scores = Float64Array.from(nodes.map((n) => plugin.score(state, pod, n)));
    const byName = () => Object.fromEntries(nodes.map((n, i) => [n.name, scores[i]]));
    expect(byName()).toEqual({ both: 40, zone: 10, none: 0 });
    plugin.normalize(state, pod, nodes, scores);
    expect(byName()).toEqual({ both: 100, zone: 25, none: 0 });
    expect(plugin.weight).toBe(2);
  });

  it("leaves all-zero scores at zero", () => {
    const scores = Float64Array.from([0]);
    plugin.normalize(new Map(), makePod("p"), [], scores);
    expect(scores[0]).toBe(0);
  });
});
