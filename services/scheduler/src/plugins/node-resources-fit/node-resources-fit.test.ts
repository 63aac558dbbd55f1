import { describe, expect, it } from "vitest";
import { Code } from "../../framework/interface.js";
import { makeNode, makeNodeInfo, makePod } from "../testing.js";
import { create, leastRequestedScore, NAME } from "./index.js";

describe(`${NAME} filter`, () => {
  const plugin = create();
  const node = (pods: ReturnType<typeof makePod>[] = [], allocatable?: Record<string, string>) =>
    makeNodeInfo(makeNode("n", { allocatable: allocatable ?? { cpu: "2", memory: "4Gi", pods: "3" } }), pods);
  const filter = (pod: ReturnType<typeof makePod>, info: ReturnType<typeof node>) =>
    plugin.filter(new Map(), pod, info);

  it("passes a pod that fits exactly", () => {
    const existing = makePod("a", { requests: [{ cpu: "1", memory: "2Gi" }] });
    const pod = makePod("p", {
      requests: [
        { cpu: "500m", memory: "1Gi" },
        { cpu: "500m", memory: "1Gi" },
      ],
    });
    expect(filter(pod, node([existing])).code).toBe(Code.Success);
  });

  it("reports Insufficient cpu and memory together", () => {
    const existing = makePod("a", { requests: [{ cpu: "1500m", memory: "3Gi" }] });
    const pod = makePod("p", { requests: [{ cpu: "1", memory: "2Gi" }] });
    expect(filter(pod, node([existing]))).toEqual({
      code: Code.Unschedulable,
      reasons: ["Insufficient cpu", "Insufficient memory"],
    });
  });

  it("is unresolvable when the pod exceeds the empty node", () => {
    const pod = makePod("p", { requests: [{ memory: "5Gi" }] });
    expect(filter(pod, node())).toEqual({
      code: Code.UnschedulableAndUnresolvable,
      reasons: ["Insufficient memory"],
    });
  });

  it("needs a pod slot even without requests", () => {
    const full = node([makePod("a"), makePod("b"), makePod("c")]);
    expect(filter(makePod("p"), full)).toEqual({ code: Code.Unschedulable, reasons: ["Too many pods"] });
    expect(filter(makePod("p"), node([makePod("a")])).code).toBe(Code.Success);
  });

  it("lists Too many pods before resources", () => {
    const full = node([makePod("a"), makePod("b"), makePod("c")]);
    const pod = makePod("p", { requests: [{ cpu: "3" }] });
    expect(filter(pod, full).reasons).toEqual(["Too many pods", "Insufficient cpu"]);
  });

  it("checks scalar resources, missing on the node counting as zero", () => {
    const pod = makePod("p", { requests: [{ "example.com/gpu": "1" }] });
    expect(filter(pod, node())).toEqual({
      code: Code.UnschedulableAndUnresolvable,
      reasons: ["Insufficient example.com/gpu"],
    });
    const gpuNode = node([], { cpu: "2", memory: "4Gi", pods: "3", "example.com/gpu": "1" });
    expect(filter(pod, gpuNode).code).toBe(Code.Success);
    const busy = node([makePod("a", { requests: [{ "example.com/gpu": "1" }] })], {
      cpu: "2",
      memory: "4Gi",
      pods: "3",
      "example.com/gpu": "1",
    });
    expect(filter(pod, busy)).toEqual({
      code: Code.Unschedulable,
      reasons: ["Insufficient example.com/gpu"],
    });
  });
});

describe(`${NAME} score (LeastAllocated)`, () => {
  const plugin = create();

  it("computes Kubernetes' least requested score", () => {
    expect(leastRequestedScore(0, 4000)).toBe(100);
    expect(leastRequestedScore(1000, 4000)).toBe(75);
    expect(leastRequestedScore(3333, 10000)).toBe(66);
    expect(leastRequestedScore(5000, 4000)).toBe(0);
    expect(leastRequestedScore(0, 0)).toBe(0);
  });

  it("averages cpu and memory, using non-zero requests", () => {
    const info = makeNodeInfo(makeNode("n", { allocatable: { cpu: "4", memory: "8Gi", pods: "110" } }), [
      makePod("a", { requests: [{ cpu: "1", memory: "2Gi" }] }),
    ]);
    const pod = makePod("p", { requests: [{ cpu: "1", memory: "2Gi" }] });
    // cpu (4000-2000)/4000 = 50, memory (8-4)/8 = 50.
    expect(plugin.score(new Map(), pod, info)).toBe(50);
    // No requests: counts as 100m / 200Mi. cpu (4000-1100)*100/4000 = 72; memory (8Gi-2Gi-200Mi)*100/8Gi = 72.
    expect(plugin.score(new Map(), makePod("q"), info)).toBe(72);
  });

  it("prefers the emptier node", () => {
    const empty = makeNodeInfo(makeNode("e"));
    const busy = makeNodeInfo(makeNode("b"), [makePod("a", { requests: [{ cpu: "2", memory: "4Gi" }] })]);
    const state = new Map();
    const pod = makePod("p", { requests: [{ cpu: "100m", memory: "128Mi" }] });
    expect(plugin.score(state, pod, empty)).toBeGreaterThan(plugin.score(state, pod, busy));
    expect(plugin.weight).toBe(1);
  });
});
