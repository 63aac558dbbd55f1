/**
 * kubectl's client-side apply patch: a three-way strategic merge patch from
 * the last-applied configuration (original), the new configuration
 * (modified) and the live object (current), as strategicpatch's
 * CreateThreeWayMergePatch computes it:
 * - additions and changes: modified vs current, never deleting what only the
 *   live object has (server defaults, other writers' fields);
 * - deletions: what original had and modified no longer has (null for map
 *   keys, `$patch: delete` for keyed list elements, `$deleteFromPrimitiveList`
 *   for merging primitive lists);
 * - lists with a merge key (containers by name, ports by containerPort…) are
 *   diffed element by element, with `$setElementOrder` giving modified's order;
 *   other lists are replaced whole when they differ; `retainKeys` fields
 *   (Deployment strategy) carry `$retainKeys`.
 * An empty patch means the object is unchanged.
 */
import type { PatchMeta } from "@ktl/apimachinery";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonMap = { [key: string]: Json };

const isMap = (v: unknown): v is JsonMap => v !== null && typeof v === "object" && !Array.isArray(v);

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

export function threeWayMergePatch(
  original: unknown,
  modified: unknown,
  current: unknown,
  meta: PatchMeta,
): Record<string, unknown> {
  return diffMaps(
    isMap(original) ? original : undefined,
    isMap(modified) ? modified : {},
    isMap(current) ? current : {},
    [],
    meta,
  );
}

function diffMaps(
  original: JsonMap | undefined,
  modified: JsonMap,
  current: JsonMap,
  path: readonly string[],
  meta: PatchMeta,
): JsonMap {
  const patch: JsonMap = {};
  for (const [key, m] of Object.entries(modified)) {
    const c = current[key];
    const o = original?.[key];
    const fieldPath = [...path, key];
    if (c === undefined) {
      patch[key] = m;
    } else if (isMap(m) && isMap(c)) {
      const sub = diffMaps(isMap(o) ? o : undefined, m, c, fieldPath, meta);
      if (Object.keys(sub).length > 0) {
        const field = meta(fieldPath);
        if (field?.strategy === "retainKeys") sub.$retainKeys = Object.keys(m).sort();
        patch[key] = sub;
      }
    } else if (Array.isArray(m) && Array.isArray(c)) {
      diffList(key, Array.isArray(o) ? o : undefined, m, c, fieldPath, meta, patch);
    } else if (!jsonEqual(m, c)) {
      patch[key] = m;
    }
  }
  // Deletions: fields the last apply set and this one no longer does.
  for (const key of Object.keys(original ?? {})) {
    if (!(key in modified) && key in current) patch[key] = null;
  }
  return patch;
}

function diffList(
  key: string,
  original: Json[] | undefined,
  modified: Json[],
  current: Json[],
  path: readonly string[],
  meta: PatchMeta,
  patch: JsonMap,
): void {
  const field = meta(path);
  if (field?.strategy !== "merge") {
    if (!jsonEqual(modified, current)) patch[key] = modified;
    return;
  }
  const mergeKey = field.mergeKey;
  if (mergeKey === undefined || !modified.every(isMap)) {
    // A merging list of primitives: add what is new, delete what was removed.
    const additions = modified.filter((m) => !current.some((c) => jsonEqual(c, m)));
    const deletions = (original ?? []).filter(
      (o) => !modified.some((m) => jsonEqual(m, o)) && current.some((c) => jsonEqual(c, o)),
    );
    if (additions.length > 0) patch[key] = additions;
    if (deletions.length > 0) patch[`$deleteFromPrimitiveList/${key}`] = deletions;
    if (additions.length > 0 || deletions.length > 0) patch[`$setElementOrder/${key}`] = modified;
    return;
  }
  const keyOf = (el: Json): Json | undefined => (isMap(el) ? el[mergeKey] : undefined);
  const find = (list: readonly Json[] | undefined, k: Json | undefined): JsonMap | undefined =>
    list?.find((el): el is JsonMap => isMap(el) && jsonEqual(el[mergeKey], k));
  const elements: Json[] = [];
  for (const m of modified) {
    const k = keyOf(m);
    const c = find(current, k);
    if (!c) {
      elements.push(m);
      continue;
    }
    const sub = diffMaps(find(original, k), m, c, path, meta);
    if (Object.keys(sub).length > 0) elements.push({ [mergeKey]: k ?? null, ...sub });
  }
  for (const o of original ?? []) {
    const k = keyOf(o);
    if (!modified.some((m) => jsonEqual(keyOf(m), k)) && find(current, k))
      elements.push({ [mergeKey]: k ?? null, $patch: "delete" });
  }
  if (elements.length === 0) return;
  patch[key] = elements;
  patch[`$setElementOrder/${key}`] = modified.map((m) => ({ [mergeKey]: keyOf(m) ?? null }));
}
