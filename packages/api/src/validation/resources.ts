/**
 * Container resource requirements: names, quantities, and requests within
 * limits, after validateResourceRequirements.
 */
import { forbiddenField, invalidValue, isQualifiedName, required, type FieldError } from "@ktl/apimachinery";
import type { ResourceRequirements } from "../gen/types.js";
import { IS_NEGATIVE_ERROR } from "./formats.js";
import { child, key } from "./path.js";
import { isWholeUnits, parseQuantity } from "./quantity.js";

const CONTAINER_RESOURCES = ["cpu", "memory", "ephemeral-storage"];
/** Resource names Kubernetes knows without a domain (quota and node names included). */
const STANDARD_RESOURCES = [
  ...CONTAINER_RESOURCES,
  "storage",
  "pods",
  "services",
  "replicationcontrollers",
  "resourcequotas",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "services.nodeports",
  "services.loadbalancers",
];

const isHugePages = (name: string): boolean => name.startsWith("hugepages-");
/** Native: unqualified or under kubernetes.io; everything else is an extended resource. */
const isNative = (name: string): boolean => !name.includes("/") || name.includes("kubernetes.io/");
/** Extended resources and hugepages cannot be overcommitted: requests must equal limits. */
const isOvercommitAllowed = (name: string): boolean => isNative(name) && !isHugePages(name);
/** Counted in whole units: pods, extended resources, hugepages are not divisible. */
const isIntegerResource = (name: string): boolean =>
  !isNative(name) || ["pods", "services", "secrets", "configmaps"].includes(name);

function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => invalidValue(path, name, msg));
  if (errs.length > 0) return errs;
  if (!name.includes("/")) {
    if (!STANDARD_RESOURCES.includes(name) && !isHugePages(name)) {
      errs.push(invalidValue(path, name, "must be a standard resource type or fully qualified"));
    }
    if (!CONTAINER_RESOURCES.includes(name) && !isHugePages(name)) {
      errs.push(invalidValue(path, name, "must be a standard resource for containers"));
    }
  } else if (!isNative(name) && isQualifiedName(`requests.${name}`).length > 0) {
    errs.push(invalidValue(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

interface Parsed {
  readonly text: string;
  readonly nano: bigint;
}

/** Parses one map entry, pushing errors; undefined when the quantity is unusable. */
function parseEntry(name: string, text: string, path: string, errs: FieldError[]): Parsed | undefined {
  errs.push(...validateResourceName(name, path));
  const q = parseQuantity(text);
  if (!q.ok) {
    errs.push(invalidValue(path, text, q.error));
    return undefined;
  }
  if (q.nano < 0n) errs.push(invalidValue(path, text, IS_NEGATIVE_ERROR));
  if (isIntegerResource(name) && !isWholeUnits(q.nano))
    errs.push(invalidValue(path, text, "must be an integer"));
  return { text, nano: q.nano };
}

export function validateResourceRequirements(
  req: ResourceRequirements | undefined | null,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const limPath = child(path, "limits");
  const reqPath = child(path, "requests");
  const limits = new Map<string, Parsed | undefined>();
  let hasCPUOrMemory = false;
  let hasHugePages = false;
  for (const [name, text] of Object.entries(req?.limits ?? {})) {
    limits.set(name, parseEntry(name, text, key(limPath, name), errs));
    hasCPUOrMemory ||= name === "cpu" || name === "memory";
    hasHugePages ||= isHugePages(name);
  }
  for (const [name, text] of Object.entries(req?.requests ?? {})) {
    const request = parseEntry(name, text, key(reqPath, name), errs);
    hasCPUOrMemory ||= name === "cpu" || name === "memory";
    hasHugePages ||= isHugePages(name);
    if (!limits.has(name)) {
      if (!isOvercommitAllowed(name))
        errs.push(required(limPath, "Limit must be set for non overcommitable resources"));
      continue;
    }
    const limit = limits.get(name);
    if (request === undefined || limit === undefined) continue;
    // Kubernetes reports this on the requests map itself, naming the resource in the message.
    if (!isOvercommitAllowed(name) && request.nano !== limit.nano) {
      errs.push(invalidValue(reqPath, request.text, `must be equal to ${name} limit of ${limit.text}`));
    } else if (request.nano > limit.nano) {
      errs.push(
        invalidValue(reqPath, request.text, `must be less than or equal to ${name} limit of ${limit.text}`),
      );
    }
  }
  if (hasHugePages && !hasCPUOrMemory) errs.push(forbiddenField(path, "HugePages require cpu or memory"));
  return errs;
}
