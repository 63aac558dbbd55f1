/**
 * Field paths in the JSON form kubectl users see: `spec.containers[0].image`,
 * `metadata.labels[app]`. Plain strings, built with these helpers so the
 * separators stay consistent.
 */

export function child(path: string, ...names: string[]): string {
  return names.reduce((p, name) => (p === "" ? name : `${p}.${name}`), path);
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** A map entry, e.g. `spec.containers[0].resources.limits[cpu]`. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}
