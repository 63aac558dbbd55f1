/**
 * Label sets and selectors in the text form Kubernetes prints them
 * (k8s.io/apimachinery labels.Set.String, labels.Selector.String and
 * metav1.FormatLabelSelector): requirements sorted by key, set values sorted.
 */
import type { LabelSelector, LabelSelectorRequirement } from "@ktl/api";

/** labels.FormatLabels: "a=1,b=2" in key order, "<none>" when empty. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const text = Object.keys(labels ?? {})
    .sort()
    .map((key) => `${key}=${labels?.[key] ?? ""}`)
    .join(",");
  return text === "" ? "<none>" : text;
}

function requirementString(req: LabelSelectorRequirement): string | Error {
  const key = req.key ?? "";
  const values = [...(req.values ?? [])].sort();
  switch (req.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) return new Error(`values: must be specified for ${req.operator}`);
      return `${key} ${req.operator === "In" ? "in" : "notin"} (${values.join(",")})`;
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) return new Error(`values: may not be specified for ${req.operator}`);
      return req.operator === "Exists" ? key : `!${key}`;
    default:
      return new Error(`"${req.operator ?? ""}" is not a valid label selector operator`);
  }
}

/**
 * metav1.LabelSelectorAsSelector(s).String(): "" for a nil selector (selects
 * nothing) and for an empty one (selects everything), an Error for an invalid
 * operator. Key and value syntax is not checked here; validation rejected bad
 * ones before the object was stored.
 */
export function labelSelectorString(selector: LabelSelector | undefined): string | Error {
  if (selector === undefined) return "";
  const parts: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    parts.push({ key, text: `${key}=${value}` });
  }
  for (const req of selector.matchExpressions ?? []) {
    const text = requirementString(req);
    if (text instanceof Error) return text;
    parts.push({ key: req.key ?? "", text });
  }
  // Go sorts requirements by key only; JavaScript's sort is stable, which is
  // what Go's insertion sort gives for the handful of requirements selectors have.
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return parts.map((p) => p.text).join(",");
}

/** metav1.FormatLabelSelector: "<error>" when invalid, "<none>" when it prints empty. */
export function formatLabelSelector(selector: LabelSelector | undefined): string {
  const text = labelSelectorString(selector);
  if (text instanceof Error) return "<error>";
  return text === "" ? "<none>" : text;
}
