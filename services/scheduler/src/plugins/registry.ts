/**
 * Plugin names to factories, and the default profile in Kubernetes' order
 * (getDefaultPlugins): filters cheapest and most decisive first, so a node is
 * usually rejected by the first plugin that looks at it.
 */
import type { FilterPlugin, ScorePlugin } from "../framework/interface.js";
import * as nodeAffinity from "./node-affinity/index.js";
import * as nodeName from "./node-name/index.js";
import * as nodePorts from "./node-ports/index.js";
import * as balancedAllocation from "./node-resources-balanced-allocation/index.js";
import * as nodeResourcesFit from "./node-resources-fit/index.js";
import * as nodeUnschedulable from "./node-unschedulable/index.js";
import * as selectorSpread from "./selector-spread/index.js";
import * as taintToleration from "./taint-toleration/index.js";

export type Plugin = FilterPlugin | ScorePlugin | (FilterPlugin & ScorePlugin);
export type PluginFactory = () => Plugin;

export const registry: Readonly<Record<string, PluginFactory>> = {
  [nodeUnschedulable.NAME]: nodeUnschedulable.create,
  [nodeName.NAME]: nodeName.create,
  [taintToleration.NAME]: taintToleration.create,
  [nodeAffinity.NAME]: nodeAffinity.create,
  [nodePorts.NAME]: nodePorts.create,
  [nodeResourcesFit.NAME]: nodeResourcesFit.create,
  [selectorSpread.NAME]: selectorSpread.create,
  [balancedAllocation.NAME]: balancedAllocation.create,
};

/** Filter plugins of the default profile, in the order they run. */
export const DEFAULT_FILTERS: readonly string[] = [
  nodeUnschedulable.NAME,
  nodeName.NAME,
  taintToleration.NAME,
  nodeAffinity.NAME,
  nodePorts.NAME,
  nodeResourcesFit.NAME,
];

/** Score plugins of the default profile (weights: 3, 2, 1, 2, 1). */
export const DEFAULT_SCORES: readonly string[] = [
  taintToleration.NAME,
  nodeAffinity.NAME,
  nodeResourcesFit.NAME,
  selectorSpread.NAME,
  balancedAllocation.NAME,
];

export function isFilterPlugin(p: Plugin): p is FilterPlugin {
  return "filter" in p && typeof p.filter === "function";
}

export function isScorePlugin(p: Plugin): p is ScorePlugin {
  return "score" in p && typeof p.score === "function";
}

/**
 * Instantiates the named plugins, one instance per name even when it serves
 * both as filter and score (as Kubernetes shares one plugin object).
 * Throws on an unknown name or a plugin lacking the extension point: that is a
 * configuration error at startup, not a scheduling outcome.
 */
export function buildPlugins(
  filters: readonly string[],
  scores: readonly string[],
): { filters: FilterPlugin[]; scores: ScorePlugin[] } {
  const instances = new Map<string, Plugin>();
  const get = (name: string): Plugin => {
    let p = instances.get(name);
    if (p === undefined) {
      const factory = registry[name];
      if (factory === undefined) throw new Error(`unknown scheduler plugin ${JSON.stringify(name)}`);
      p = factory();
      instances.set(name, p);
    }
    return p;
  };
  return {
    filters: filters.map((name) => {
      const p = get(name);
      if (!isFilterPlugin(p)) throw new Error(`scheduler plugin ${name} is not a filter plugin`);
      return p;
    }),
    scores: scores.map((name) => {
      const p = get(name);
      if (!isScorePlugin(p)) throw new Error(`scheduler plugin ${name} is not a score plugin`);
      return p;
    }),
  };
}

export function defaultPlugins(): { filters: FilterPlugin[]; scores: ScorePlugin[] } {
  return buildPlugins(DEFAULT_FILTERS, DEFAULT_SCORES);
}
