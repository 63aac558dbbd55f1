/**
 * Node selector terms compiled to predicates, after Kubernetes'
 * component-helpers nodeaffinity: terms are ORed, requirements within a term
 * ANDed; an empty or invalid term matches nothing.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm } from "@ktl/api";

export type NodeMatcher = (labels: Readonly<Record<string, string>>, nodeName: string) => boolean;

const NEVER: NodeMatcher = () => false;
const INTEGER = /^[+-]?[0-9]+$/;

function parseInteger(text: string): number | undefined {
  return INTEGER.test(text) ? Number(text) : undefined;
}

/** A label requirement (labels.NewRequirement's validation), or undefined when invalid. */
function labelRequirement(req: NodeSelectorRequirement): NodeMatcher | undefined {
  const key = req.key ?? "";
  const values = req.values ?? [];
  if (key === "") return undefined;
  switch (req.operator) {
    case "In": {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return (labels) => {
        const v = labels[key];
        return v !== undefined && set.has(v);
      };
    }
    case "NotIn": {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return (labels) => {
        const v = labels[key];
        return v === undefined || !set.has(v);
      };
    }
    case "Exists":
      return values.length === 0 ? (labels) => labels[key] !== undefined : undefined;
    case "DoesNotExist":
      return values.length === 0 ? (labels) => labels[key] === undefined : undefined;
    case "Gt":
    case "Lt": {
      const bound = values.length === 1 ? parseInteger(values[0] ?? "") : undefined;
      if (bound === undefined) return undefined;
      const gt = req.operator === "Gt";
      return (labels) => {
        const v = labels[key];
        const n = v === undefined ? undefined : parseInteger(v);
        if (n === undefined) return false;
        return gt ? n > bound : n < bound;
      };
    }
    default:
      return undefined;
  }
}

/** A field requirement: only metadata.name with In/NotIn and exactly one value is valid. */
function fieldRequirement(req: NodeSelectorRequirement): NodeMatcher | undefined {
  const values = req.values ?? [];
  if (req.key !== "metadata.name" || values.length !== 1) return undefined;
  const value = values[0];
  if (req.operator === "In") return (_labels, name) => name === value;
  if (req.operator === "NotIn") return (_labels, name) => name !== value;
  return undefined;
}

export function compileTerm(term: NodeSelectorTerm): NodeMatcher {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length + fields.length === 0) return NEVER;
  const parts: NodeMatcher[] = [];
  for (const r of exprs) {
    const m = labelRequirement(r);
    if (m === undefined) return NEVER;
    parts.push(m);
  }
  for (const r of fields) {
    const m = fieldRequirement(r);
    if (m === undefined) return NEVER;
    parts.push(m);
  }
  return (labels, name) => parts.every((p) => p(labels, name));
}

/** Any of the terms matches; no terms match nothing. */
export function compileTerms(terms: readonly NodeSelectorTerm[]): NodeMatcher {
  const compiled = terms.map(compileTerm);
  return (labels, name) => compiled.some((m) => m(labels, name));
}
