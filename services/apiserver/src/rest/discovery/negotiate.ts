/**
 * Accept negotiation for `/api` and `/apis`, as kube-apiserver's discovery
 * handler does it (negotiation.NegotiateMediaTypeOptions with the discovery
 * endpoint restrictions): Accept entries are ordered by q (most specific first
 * among equals), and the first one this server can produce wins. An entry
 * naming a conversion (`as`, `g`, `v`) is acceptable only when it is exactly
 * apidiscovery.k8s.io/{v2,v2beta1} APIGroupDiscoveryList.
 *
 * kubectl >= 1.30 sends `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,
 * application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json`
 * (1.26-1.29 lack the v2 entry) and decides how to decode the body from the
 * Content-Type we answer with, so that header must name the chosen version.
 */
import type { AggregatedDiscoveryVersion } from "./types.js";

export type DiscoveryFormat =
  | {
      readonly format: "aggregated";
      readonly version: AggregatedDiscoveryVersion;
      readonly contentType: string;
    }
  | { readonly format: "legacy" };

const DISCOVERY_GROUP = "apidiscovery.k8s.io";
const DISCOVERY_KIND = "APIGroupDiscoveryList";

interface AcceptClause {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
  readonly params: ReadonlyMap<string, string>;
}

/** goautoneg.ParseAccept: malformed ranges are skipped, q is pulled out of the parameters. */
export function parseAccept(header: string): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  for (const part of header.split(",")) {
    const [range = "", ...rawParams] = part.trim().split(";");
    const pieces = range.split("/");
    const type = (pieces[0] ?? "").trim();
    let subtype: string;
    if (pieces.length === 1 && type === "*") subtype = "*";
    else if (pieces.length === 2) subtype = (pieces[1] ?? "").trim();
    else continue;
    let q = 1;
    const params = new Map<string, string>();
    for (const raw of rawParams) {
      const eq = raw.indexOf("=");
      if (eq < 0) continue;
      const key = raw.slice(0, eq).trim();
      const value = raw.slice(eq + 1).trim();
      if (key === "q") q = Number.parseFloat(value) || 0;
      else params.set(key, value);
    }
    clauses.push({ type, subtype, q, params });
  }
  // Stable: equal clauses keep the client's order, which is its preference.
  return clauses.sort(
    (a, b) =>
      b.q - a.q ||
      Number(a.type === "*") - Number(b.type === "*") ||
      Number(a.subtype === "*") - Number(b.subtype === "*"),
  );
}

/** This server speaks JSON only; wildcards match it. */
function matchesJson(clause: AcceptClause): boolean {
  return (
    (clause.type === "application" && (clause.subtype === "json" || clause.subtype === "*")) ||
    (clause.type === "*" && clause.subtype === "*")
  );
}

/**
 * What one acceptable clause asks for: plain JSON (legacy), an aggregated
 * document, or undefined when the discovery endpoint cannot honour it (a
 * conversion to some other kind, a server version, a non-watch stream).
 */
function clauseFormat(clause: AcceptClause): DiscoveryFormat | undefined {
  const { params } = clause;
  if ((params.get("sv") ?? "") !== "") return undefined;
  const stream = params.get("stream") ?? "";
  if (stream !== "" && stream !== "watch") return undefined;
  const as = params.get("as");
  const g = params.get("g");
  const v = params.get("v");
  if (as === undefined && g === undefined && v === undefined) return { format: "legacy" };
  if (as !== DISCOVERY_KIND || g !== DISCOVERY_GROUP || (v !== "v2" && v !== "v2beta1")) return undefined;
  return { format: "aggregated", version: v, contentType: `application/json;g=${g};v=${v};as=${as}` };
}

/**
 * Picks the discovery format for an Accept header. An empty header gets the
 * legacy document. Where kube-apiserver would answer 406 (nothing acceptable),
 * this returns legacy too: every client asks for application/json as a last
 * resort, so that is what it would have settled for.
 */
export function negotiateDiscovery(acceptHeader: string): DiscoveryFormat {
  if (acceptHeader.trim() === "") return { format: "legacy" };
  for (const clause of parseAccept(acceptHeader)) {
    if (!matchesJson(clause)) continue;
    const format = clauseFormat(clause);
    if (format !== undefined) return format;
  }
  return { format: "legacy" };
}
