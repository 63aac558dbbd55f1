import { kindPrefix } from "../client/discovery.js";

/** `-o name`: `deployment.apps/web`, `pod/web-1` (kind lower-cased, with its group). */
export function nameOf(object: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): string {
  const apiVersion = object.apiVersion ?? "";
  const group = apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
  return `${kindPrefix({ kind: object.kind ?? "", group })}/${object.metadata?.name ?? ""}`;
}
