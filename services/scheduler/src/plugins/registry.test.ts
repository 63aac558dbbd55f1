import { describe, expect, it } from "vitest";
import {
  buildPlugins,
  DEFAULT_FILTERS,
  DEFAULT_SCORES,
  defaultPlugins,
  isFilterPlugin,
  isScorePlugin,
  registry,
} from "./registry.js";

describe("registry", () => {
  it("builds the default profile in Kubernetes' order and weights", () => {
    const { filters, scores } = defaultPlugins();
    expect(filters.map((p) => p.name)).toEqual([
      "NodeUnschedulable",
      "NodeName",
      "TaintToleration",
      "NodeAffinity",
      "NodePorts",
      "NodeResourcesFit",
    ]);
    expect(scores.map((p) => [p.name, p.weight])).toEqual([
      ["TaintToleration", 3],
      ["NodeAffinity", 2],
      ["NodeResourcesFit", 1],
      ["SelectorSpread", 2],
      ["NodeResourcesBalancedAllocation", 1],
    ]);
  });

  it("shares one instance between a plugin's filter and score", () => {
    const { filters, scores } = defaultPlugins();
    expect(filters.find((p) => p.name === "TaintToleration")).toBe(
      scores.find((p) => p.name === "TaintToleration"),
    );
  });

  it("maps every name to a factory whose plugin carries that name", () => {
    for (const [name, factory] of Object.entries(registry)) expect(factory().name).toBe(name);
    for (const name of [...DEFAULT_FILTERS, ...DEFAULT_SCORES]) expect(registry[name]).toBeDefined();
  });

  it("classifies extension points", () => {
    const balanced = registry["NodeResourcesBalancedAllocation"]!();
    const ports = registry["NodePorts"]!();
    expect([isFilterPlugin(balanced), isScorePlugin(balanced)]).toEqual([false, true]);
    expect([isFilterPlugin(ports), isScorePlugin(ports)]).toEqual([true, false]);
  });

  it("rejects unknown names and wrong extension points", () => {
    expect(() => buildPlugins(["Nope"], [])).toThrow(/unknown scheduler plugin "Nope"/);
    expect(() => buildPlugins([], ["NodePorts"])).toThrow(/not a score plugin/);
    expect(() => buildPlugins(["SelectorSpread"], [])).toThrow(/not a filter plugin/);
  });
});
