/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), the
 * format kubectl apply/edit/label/patch send. A port of the *apply* half of
 * k8s.io/apimachinery/pkg/util/strategicpatch (mergeMap / mergeSlice), with the field
 * metadata (patchStrategy / patchMergeKey struct tags) supplied by a PatchMeta function.
 *
 * Differences from the Go code, all on inputs kubectl does not send:
 * - `$patch: merge` is accepted as a no-op (Go rejects it);
 * - values copied from the patch are cleaned of nulls and directives everywhere
 *   (Go only does so for fields absent from the original);
 * - merge and deletion lists are applied in a fixed order (merge first), where Go
 *   follows random map iteration order.
 */
import { PatchError } from "./errors.js";
import type { JsonObject, JsonValue } from "./json.js";
import { cloneJson, getOwn, hasOwn, isJsonObject, setOwn } from "./json.js";

export type PatchStrategy = "merge" | "replace" | "retainKeys";

export interface FieldPatchMeta {
  strategy: PatchStrategy;
  /** Field identifying list elements (e.g. "name"); absent for lists of primitives. */
  mergeKey?: string;
}

/**
 * Patch metadata of the field at `path`: object field names from the root, array levels
 * skipped (e.g. ["spec", "template", "spec", "containers", "ports"]). `undefined` means
 * the default: maps merge, lists are replaced.
 */
export type PatchMeta = (path: readonly string[]) => FieldPatchMeta | undefined;

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ORDER = "$setElementOrder";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";

/**
 * Applies a strategic merge patch to `original` (a JSON object; null/undefined count as
 * `{}`) and returns the result. Neither argument is mutated.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, meta: PatchMeta): JsonObject {
  const base = original ?? {};
  if (!isJsonObject(base))
    throw new PatchError("invalid JSON document: the object to patch must be a JSON object");
  if (!isJsonObject(patch))
    throw new PatchError("invalid JSON document: a strategic merge patch must be a JSON object");
  // Work on private copies: the merge below mutates both freely, as the Go code does.
  return new Merger(meta).mergeMap(cloneJson(base), cloneJson(patch), []);
}

class Merger {
  constructor(private readonly meta: PatchMeta) {}

  /** Merges `patch` into `original` (both private copies) and returns the result. */
  mergeMap(original: JsonObject, patch: JsonObject, path: readonly string[]): JsonObject {
    if (hasOwn(patch, DIRECTIVE)) {
      const directive = patch[DIRECTIVE];
      delete patch[DIRECTIVE];
      if (directive === "delete") return {};
      if (directive === "replace") return this.mergeMap({}, patch, path);
      if (directive !== "merge") throw badPatchType(directive);
    }
    applyRetainKeys(original, patch);
    this.applySetElementOrder(original, patch, path);

    const deletions: [string, JsonValue][] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        deletions.push([directiveField(key, DELETE_FROM_PRIMITIVE_LIST), value]);
      } else {
        this.mergeField(original, key, value, path);
      }
    }
    for (const [field, values] of deletions) deleteFromPrimitiveList(original, field, values);
    return original;
  }

  private mergeField(original: JsonObject, key: string, value: JsonValue, path: readonly string[]): void {
    if (value === null) {
      delete original[key];
      return;
    }
    const fieldPath = [...path, key];
    const current = getOwn(original, key);
    if (current === undefined || current === null || kindOf(current) !== kindOf(value)) {
      // Nothing to merge with: take the patch value, cleaned; `$patch: delete` maps vanish.
      const materialized = this.materialize(value, fieldPath);
      if (materialized === undefined) delete original[key];
      else setOwn(original, key, materialized);
    } else if (isJsonObject(current) && isJsonObject(value)) {
      const replace = this.meta(fieldPath)?.strategy === "replace";
      setOwn(original, key, this.mergeMap(replace ? {} : current, value, fieldPath));
    } else if (Array.isArray(current) && Array.isArray(value)) {
      setOwn(original, key, this.mergeList(current, value, fieldPath));
    } else {
      setOwn(original, key, value);
    }
  }

  /**
   * Turns a patch fragment into a plain value by merging it into "nothing": directives
   * are resolved and nulls dropped. `undefined` means the value deletes itself.
   */
  private materialize(value: JsonValue, path: readonly string[]): JsonValue | undefined {
    if (isJsonObject(value)) {
      return getOwn(value, DIRECTIVE) === "delete" ? undefined : this.mergeMap({}, value, path);
    }
    if (Array.isArray(value)) return this.mergeList([], value, path);
    return value;
  }

  mergeList(original: JsonValue[], patch: JsonValue[], path: readonly string[]): JsonValue[] {
    const field = this.meta(path);
    if (field?.strategy !== "merge") {
      // Replaced wholesale; list-level markers such as {"$patch": "replace"} are dropped.
      const items = patch.filter((item) => !(isJsonObject(item) && hasOwn(item, DIRECTIVE)));
      return items.map((item) => this.materialize(item, path) ?? null);
    }
    if (original.length === 0 && patch.length === 0) return original;
    if (elementKind(path, original, patch) === "scalar") {
      // Union, ordered as Kubernetes orders it (see normalizeOrder).
      const merged: JsonValue[] = [];
      for (const item of [...original, ...patch]) if (!merged.includes(item)) merged.push(item);
      return normalizeOrder(merged, patch, original, undefined);
    }
    if (!field.mergeKey) {
      throw new PatchError(`cannot merge lists without merge key for ${path.join(".")}`);
    }
    return this.mergeListByKey(original, patch, field.mergeKey, path);
  }

  private mergeListByKey(
    original: JsonValue[],
    patch: JsonValue[],
    mergeKey: string,
    path: readonly string[],
  ) {
    let base = original;
    let replace = false;
    const items: JsonObject[] = [];
    for (const item of patch) {
      const element = asMap(item);
      if (!hasOwn(element, DIRECTIVE)) {
        items.push(element);
        continue;
      }
      const directive = element[DIRECTIVE];
      if (directive === "delete") {
        const keyValue = requireMergeKey(element, mergeKey);
        base = base.filter((candidate) => getOwn(asMap(candidate), mergeKey) !== keyValue);
      } else if (directive === "replace") {
        replace = true; // keep scanning: other $patch elements must still be pruned
      } else if (directive !== "merge") {
        throw badPatchType(directive);
      }
    }
    if (replace) return items.map((item) => this.mergeMap({}, item, path));

    const merged = [...base];
    for (const item of items) {
      const keyValue = requireMergeKey(item, mergeKey);
      const index = merged.findIndex((candidate) => getOwn(asMap(candidate), mergeKey) === keyValue);
      const existing = merged[index];
      if (isJsonObject(existing)) merged[index] = this.mergeMap(existing, item, path);
      else merged.push(this.mergeMap({}, item, path));
    }
    return normalizeOrder(merged, items, base, mergeKey);
  }

  /**
   * `$setElementOrder/<field>: [...]` fixes the final order of a merged list (kubectl
   * apply sends the full order of the user's manifest, and only changed elements in the
   * list itself). Handles the list here and removes it from the patch.
   */
  private applySetElementOrder(original: JsonObject, patch: JsonObject, path: readonly string[]): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ORDER)) continue;
      const order = patch[key];
      delete patch[key];
      const field = directiveField(key, SET_ORDER);
      if (!Array.isArray(order)) throw new PatchError("invalid patch format of setElementOrder list");
      const patchList = getOwn(patch, field);
      if (patchList === null) continue; // the field is being deleted; nothing to order
      const originalList = getOwn(original, field) ?? undefined; // null counts as absent
      if (!isListOrAbsent(originalList) || !isListOrAbsent(patchList)) {
        throw new PatchError(`${key}: ${field} is not a list`);
      }
      if (originalList === undefined && patchList === undefined) continue;

      const fieldPath = [...path, field];
      const mergeKey = this.meta(fieldPath)?.mergeKey;
      validateSetElementOrder(patchList ?? [], order, mergeKey);
      const merged =
        patchList === undefined
          ? (originalList ?? [])
          : this.mergeList(originalList ?? [], patchList, fieldPath);
      delete patch[field];
      setOwn(original, field, normalizeOrder(merged, order, originalList ?? [], mergeKey));
    }
  }
}

type Kind = "map" | "list" | "scalar";
/** Merge key of a list; undefined for lists of primitives, whose elements are their own key. */
type Key = string | undefined;

function kindOf(value: JsonValue): Kind {
  if (Array.isArray(value)) return "list";
  return isJsonObject(value) ? "map" : "scalar";
}

/** Kind of the elements of a merging list; mixing maps and scalars is an error. */
function elementKind(path: readonly string[], ...lists: JsonValue[][]): "map" | "scalar" {
  let kind: Kind | undefined;
  for (const item of lists.flat()) {
    const itemKind = kindOf(item);
    if (itemKind === "list") throw new PatchError("lists of lists are not supported");
    if (kind !== undefined && kind !== itemKind) {
      throw new PatchError(`list element types are not identical in ${path.join(".")}`);
    }
    kind = itemKind;
  }
  return kind === "map" ? "map" : "scalar";
}

function isListOrAbsent(value: JsonValue | undefined): value is JsonValue[] | undefined {
  return value === undefined || Array.isArray(value);
}

function asMap(value: JsonValue | undefined): JsonObject {
  if (!isJsonObject(value)) {
    throw new PatchError(`expected a map in a list merged by key, but received ${JSON.stringify(value)}`);
  }
  return value;
}

function requireMergeKey(element: JsonObject, mergeKey: string): JsonValue {
  const value = getOwn(element, mergeKey);
  if (value === undefined) {
    throw new PatchError(`map: ${JSON.stringify(element)} does not contain declared merge key: ${mergeKey}`);
  }
  return value;
}

function badPatchType(directive: JsonValue | undefined): PatchError {
  return new PatchError(`unknown patch type: ${JSON.stringify(directive)}`);
}

/** "$setElementOrder/containers" -> "containers". */
function directiveField(key: string, prefix: string): string {
  const field = key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : "";
  if (field === "") {
    const what = prefix === SET_ORDER ? "setElementOrder list" : "primitive list";
    throw new PatchError(`invalid patch format of ${what}: ${JSON.stringify(key)}`);
  }
  return field;
}

/**
 * `$retainKeys: [...]` clears every key of the original map not listed (kubectl sends it
 * for fields tagged retainKeys, e.g. a Deployment's spec.strategy, so switching to
 * Recreate drops rollingUpdate). Every key set by the patch must be listed.
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const keys = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keys)) throw new PatchError("invalid patch format of retainKeys: expected a list");
  const retained = new Set(keys);
  for (const [key, value] of Object.entries(patch)) {
    const directive = key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ORDER);
    if (value !== null && !directive && !retained.has(key)) {
      throw new PatchError(
        `invalid patch format of retainKeys: ${JSON.stringify(key)} is not in $retainKeys`,
      );
    }
  }
  for (const key of Object.keys(original)) if (!retained.has(key)) delete original[key];
}

/** `$deleteFromPrimitiveList/<field>: [...]` removes those values from a primitive list. */
function deleteFromPrimitiveList(original: JsonObject, field: string, values: JsonValue): void {
  if (!Array.isArray(values)) throw new PatchError("invalid patch format of primitive list: expected a list");
  const current = getOwn(original, field);
  if (!Array.isArray(current)) return; // nothing to delete from
  const kept = current.filter((item) => !values.includes(item));
  setOwn(original, field, kept);
}

/**
 * Checks that the elements of the patch list appear in the same relative order as in
 * `$setElementOrder` (deletions and other directive elements excepted), as Go does.
 */
function validateSetElementOrder(patchList: JsonValue[], order: JsonValue[], mergeKey: Key) {
  const items = patchList.filter((item) => !(isJsonObject(item) && hasOwn(item, DIRECTIVE)));
  let p = 0;
  for (let s = 0; p < items.length && s < order.length; s++) {
    if (sameElement(items[p], order[s], mergeKey)) p++;
  }
  if (p < items.length) {
    throw new PatchError(
      `the order in patch list:\n${JSON.stringify(patchList)}\n doesn't match ${SET_ORDER} list:\n${JSON.stringify(order)}`,
    );
  }
}

/** Identity of a list element: its merge key value, or the value itself for primitives. */
function identity(item: JsonValue | undefined, mergeKey: Key): JsonValue | undefined {
  if (mergeKey === undefined) return isJsonObject(item) || Array.isArray(item) ? undefined : item;
  return isJsonObject(item) ? getOwn(item, mergeKey) : undefined;
}

function sameElement(a: JsonValue | undefined, b: JsonValue | undefined, mergeKey: Key) {
  const id = identity(a, mergeKey);
  return id !== undefined && id === identity(b, mergeKey);
}

function indexIn(list: readonly JsonValue[], item: JsonValue, mergeKey: Key): number {
  return list.findIndex((candidate) => sameElement(candidate, item, mergeKey));
}

/** Stable sort by position in `order`; elements not in `order` keep their order, last. */
function sortByOrder(items: JsonValue[], order: readonly JsonValue[], mergeKey: Key) {
  const rank = (item: JsonValue) => {
    const index = indexIn(order, item, mergeKey);
    return index < 0 ? order.length : index;
  };
  return [...items].sort((a, b) => rank(a) - rank(b));
}

/**
 * Kubernetes' normalizeElementOrder + mergeSortedSlice: elements named by `patchOrder`
 * are sorted by it, the others ("server-only") by `serverOrder`, then the two runs are
 * interleaved, taking a server-only element first only when both elements are in
 * `serverOrder` and it comes earlier there. Consequence (as in Kubernetes): an element
 * that is new to the list lands before the untouched elements that follow the previous
 * patch element, e.g. patching [a, b] with new c yields [c, a, b].
 */
function normalizeOrder(
  merged: JsonValue[],
  patchOrder: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: Key,
): JsonValue[] {
  const inPatch = (item: JsonValue) => indexIn(patchOrder, item, mergeKey) >= 0;
  const patchItems = sortByOrder(merged.filter(inPatch), patchOrder, mergeKey);
  const rest = merged.filter((item) => !inPatch(item));
  const serverOnly = sortByOrder(rest, serverOrder, mergeKey);
  const result: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    const left = serverOnly[i];
    const right = patchItems[j];
    if (right === undefined || (left !== undefined && serverFirst(left, right, serverOrder, mergeKey))) {
      result.push(left as JsonValue);
      i++;
    } else {
      result.push(right);
      j++;
    }
  }
  return result;
}

function serverFirst(left: JsonValue, right: JsonValue, serverOrder: readonly JsonValue[], mergeKey: Key) {
  const li = indexIn(serverOrder, left, mergeKey);
  const ri = indexIn(serverOrder, right, mergeKey);
  return li >= 0 && ri >= 0 && li < ri;
}

// ---------------------------------------------------------------------------------------
// Field metadata of the built-in kinds we serve, from the k8s.io/api struct tags
// (`patchStrategy:"merge" patchMergeKey:"..."`). Anything not listed takes the default:
// maps merge, lists are replaced. Lists that are replaced despite looking mergeable:
// tolerations, node spec.taints, namespace spec.finalizers, endpoints subsets, envFrom.

const merge = (mergeKey?: string): FieldPatchMeta =>
  mergeKey === undefined ? { strategy: "merge" } : { strategy: "merge", mergeKey };

/** Keyed by JSON.stringify(path): exact and collision-free whatever the field names contain. */
const KUBERNETES_FIELDS = new Map<string, FieldPatchMeta>();

function define(parents: readonly string[][], fields: Record<string, FieldPatchMeta>): void {
  for (const parent of parents) {
    for (const [field, meta] of Object.entries(fields))
      KUBERNETES_FIELDS.set(JSON.stringify([...parent, field]), meta);
  }
}

// ObjectMeta: the object's own, and the pod template's in Deployments/ReplicaSets.
define([["metadata"], ["spec", "template", "metadata"]], {
  finalizers: merge(),
  ownerReferences: merge("uid"),
});

// PodSpec: a Pod's spec, and spec.template.spec in Deployments/ReplicaSets.
const POD_SPECS = [["spec"], ["spec", "template", "spec"]];
define(POD_SPECS, {
  containers: merge("name"),
  initContainers: merge("name"),
  ephemeralContainers: merge("name"),
  volumes: merge("name"), // tagged merge,retainKeys: $retainKeys is honoured wherever it appears
  imagePullSecrets: merge("name"),
  hostAliases: merge("ip"),
  topologySpreadConstraints: merge("topologyKey"),
  schedulingGates: merge("name"),
  resourceClaims: merge("name"), // merge,retainKeys
});
const CONTAINER_LISTS = POD_SPECS.flatMap((spec) =>
  ["containers", "initContainers", "ephemeralContainers"].map((list) => [...spec, list]),
);
define(CONTAINER_LISTS, {
  ports: merge("containerPort"),
  env: merge("name"),
  volumeMounts: merge("mountPath"),
  volumeDevices: merge("devicePath"),
});

define([["spec"]], {
  ports: merge("port"), // Service
  podCIDRs: merge(), // Node
  strategy: { strategy: "retainKeys" }, // Deployment
});
define([["status"]], {
  conditions: merge("type"), // Pod, Node, Namespace, Service, Deployment, ReplicaSet
  addresses: merge("type"), // Node
  podIPs: merge("ip"), // Pod
  hostIPs: merge("ip"), // Pod
  resourceClaimStatuses: merge("name"), // Pod; merge,retainKeys
});

/** Patch metadata for Pod, Deployment, ReplicaSet, Service, Endpoints, Node, Namespace, ConfigMap, Event. */
export const kubernetesPatchMeta: PatchMeta = (path) => KUBERNETES_FIELDS.get(JSON.stringify(path));
