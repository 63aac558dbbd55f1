/** Taint/toleration matching, after Kubernetes' core/v1 helpers. */
import type { Taint, Toleration } from "@ktl/api";

/** Toleration.ToleratesTaint: an empty effect or key matches any; an empty operator means Equal. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if ((toleration.effect ?? "") !== "" && toleration.effect !== (taint.effect ?? "")) return false;
  if ((toleration.key ?? "") !== "" && toleration.key !== (taint.key ?? "")) return false;
  switch (toleration.operator ?? "") {
    case "":
    case "Equal":
      return (toleration.value ?? "") === (taint.value ?? "");
    case "Exists":
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(
  tolerations: readonly Toleration[] | undefined,
  taint: Taint,
): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/** The first taint passing `inScope` that no toleration tolerates (FindMatchingUntoleratedTaint). */
export function findUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  inScope: (taint: Taint) => boolean,
): Taint | undefined {
  for (const taint of taints ?? []) {
    if (inScope(taint) && !tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
