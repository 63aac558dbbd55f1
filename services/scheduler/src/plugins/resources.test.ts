import { describe, expect, it } from "vitest";
import { makePod } from "./testing.js";
import { cycleRequests, nonZeroPodRequests, parseResourceList, podRequests } from "./resources.js";

describe("resources", () => {
  it("parses resource lists into canonical units", () => {
    expect(
      parseResourceList({ cpu: "1.5", memory: "1Gi", pods: "110", "example.com/gpu": "2", bad: "x" }),
    ).toEqual({
      milliCpu: 1500,
      memory: 1024 ** 3,
      pods: 110,
      scalar: { "example.com/gpu": 2, bad: 0 },
    });
    expect(parseResourceList({ cpu: "0.5m", memory: "1.5" })).toMatchObject({ milliCpu: 1, memory: 2 });
  });

  it("sums containers and takes the max with init containers", () => {
    const pod = makePod("p", { requests: [{ cpu: "100m", memory: "1Mi" }, { cpu: "200m" }] });
    pod.spec!.initContainers = [{ name: "init", resources: { requests: { cpu: "1", memory: "512Ki" } } }];
    expect(podRequests(pod)).toEqual({ milliCpu: 1000, memory: 1024 ** 2, pods: 1, scalar: {} });
  });

  it("fills missing requests with the non-zero defaults per container", () => {
    const pod = makePod("p", { requests: [{ cpu: "300m" }, {}] });
    expect(nonZeroPodRequests(pod)).toMatchObject({ milliCpu: 400, memory: 2 * 200 * 1024 ** 2 });
    expect(podRequests(pod)).toMatchObject({ milliCpu: 300, memory: 0 });
  });

  it("caches per pod in the cycle state", () => {
    const state = new Map();
    const a = makePod("a", { requests: [{ cpu: "1" }] });
    const b = makePod("b", { requests: [{ cpu: "2" }] });
    expect(cycleRequests(state, a)).toBe(cycleRequests(state, a));
    expect(cycleRequests(state, b).milliCpu).toBe(2000);
  });
});
