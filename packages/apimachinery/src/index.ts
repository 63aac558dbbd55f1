/**
 * @ktl/apimachinery: the Kubernetes API machinery the control plane shares,
 * with Kubernetes' own semantics and messages:
 * - Status errors (errors.ts), e.g. `notFound`, `invalid`, `toStatusError`
 * - field errors and name/label format checks (validation.ts), e.g. `required`, `isDNS1123Subdomain`
 * - label selectors (labels.ts) and field selectors (fields.ts)
 * - JSON, merge and strategic-merge patches (patch/)
 *
 * @example
 * import { invalid, parseLabelSelector, required } from "@ktl/apimachinery";
 *
 * parseLabelSelector("app=web,tier in (fe,be)").matches({ app: "web", tier: "fe" }); // true
 * throw invalid({ kind: "Pod" }, "x", [required("spec.containers[0].image")]);
 * // 422: Pod "x" is invalid: spec.containers[0].image: Required value
 */
export * from "./errors.js";
export * from "./fields.js";
export * from "./labels.js";
export * from "./validation.js";
export * from "./patch/index.js";
export * from "./equality.js";
