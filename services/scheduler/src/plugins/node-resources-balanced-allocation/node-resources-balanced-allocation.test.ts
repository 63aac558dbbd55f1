import { describe, expect, it } from "vitest";
import { makeNode, makeNodeInfo, makePod } from "../testing.js";
import { balancedResourceScore, create, NAME } from "./index.js";

describe(NAME, () => {
  const plugin = create();
  const node = (pods: ReturnType<typeof makePod>[] = []) =>
    makeNodeInfo(makeNode("n", { allocatable: { cpu: "4", memory: "8Gi", pods: "110" } }), pods);

  it("computes (1 - std) × 100", () => {
    expect(
      balancedResourceScore([
        [2, 4],
        [4, 8],
      ]),
    ).toBe(100);
    expect(
      balancedResourceScore([
        [1, 4],
        [6, 8],
      ]),
    ).toBe(75); // fractions .25/.75, std .25
    expect(
      balancedResourceScore([
        [8, 4],
        [0, 8],
      ]),
    ).toBe(50); // cpu capped at 1
    expect(
      balancedResourceScore([
        [1, 0],
        [4, 8],
      ]),
    ).toBe(100); // one resource: std 0
    expect(
      balancedResourceScore([
        [1, 10],
        [5, 10],
        [9, 10],
      ]),
    ).toBe(67); // std sqrt(.32/3)
  });

  it("scores balanced usage higher", () => {
    const pod = makePod("p", { requests: [{ cpu: "1", memory: "2Gi" }] });
    const balanced = plugin.score(new Map(), pod, node());
    const skewed = plugin.score(new Map(), pod, node([makePod("a", { requests: [{ cpu: "2" }] })]));
    expect(balanced).toBe(100);
    // cpu 3000/4000 = .75, memory 2/8 = .25 → 75.
    expect(skewed).toBe(75);
  });

  it("uses actual requests, not the non-zero defaults", () => {
    const pod = makePod("p", { requests: [{ cpu: "2" }] });
    // cpu .5, memory 0 → 75.
    expect(plugin.score(new Map(), pod, node([makePod("a")]))).toBe(75);
  });

  it("gives best-effort pods 0 everywhere", () => {
    expect(plugin.score(new Map(), makePod("p"), node())).toBe(0);
    expect(plugin.weight).toBe(1);
  });
});
