/**
 * `/openapi/v3` and `/openapi/v3/<api|apis/group>/<version>`.
 *
 * What kubectl needs from OpenAPI (1.27-1.33): `kubectl apply`, `create`,
 * `edit` and `replace` with the default --validate=strict always send
 * `fieldValidation=Strict`, but first ask a "query param verifier" whether the
 * server honours it for the object's group/version/kind. If it does, kubectl
 * leaves validation to the server; if not, it validates client-side against
 * /openapi/v2. The verifier (k8s.io/cli-runtime resource.queryParamVerifierV3,
 * behind a fallback to the v2 verifier) reads this root, fetches the
 * group/version document at the listed serverRelativeURL, and looks for a
 * PATCH operation whose x-kubernetes-group-version-kind is exactly the object's
 * {group, version, kind} and whose parameters include a query parameter named
 * fieldValidation. It stops at the first matching PATCH operation (in Go map
 * order), so every PATCH of a kind, subresources included, declares it. A
 * missing root or group/version makes kubectl fall back to the v2 verifier,
 * which needs /openapi/v2 (see openapi-v2.ts).
 *
 * Separately, client-side `kubectl apply` computes a strategic merge patch
 * from this document when a kind's PATCH accepts
 * application/strategic-merge-patch+json; ours does not (the schemas below are
 * names only), so kubectl uses its compiled-in types, as it would against any
 * server without OpenAPI for the kind.
 */
import { createHash } from "node:crypto";
import { resourcesIn, servedGroupVersions } from "./groups.js";
import { resourcePaths, schemaName, type JsonObject } from "./openapi-v3-paths.js";
import { subresourcesOf } from "./subresources.js";
import type { GroupVersionKind } from "./types.js";
import { SERVER_GIT_VERSION } from "./version.js";

export interface OpenAPIV3Document {
  readonly openapi: "3.0.0";
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Record<string, JsonObject>;
  readonly components: { readonly schemas: Record<string, JsonObject> };
}

export interface OpenAPIV3Root {
  readonly paths: Record<string, { readonly serverRelativeURL: string }>;
}

/** "api/v1", "apis/apps/v1": the keys kubectl looks group/versions up by. */
export function openApiV3Key(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

/** A kind's schema: just its identity, which is all kubectl's lookups need. */
function kindSchema(gvk: GroupVersionKind, description: string): JsonObject {
  return { description, type: "object", "x-kubernetes-group-version-kind": [gvk] };
}

function schemasFor(group: string, version: string): Record<string, JsonObject> {
  const schemas: Record<string, JsonObject> = {
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch": {
      description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
      type: "object",
    },
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status": kindSchema(
      { group: "", version: "v1", kind: "Status" },
      "Status is a return value for calls that don't return other objects.",
    ),
  };
  for (const info of resourcesIn(group, version)) {
    const gvk = { group: info.group, version: info.version, kind: info.kind };
    schemas[schemaName(gvk)] = kindSchema(gvk, `${info.kind} (${info.resource}).`);
    const list = { ...gvk, kind: `${info.kind}List` };
    schemas[schemaName(list)] = kindSchema(list, `${list.kind} is a list of ${info.kind}.`);
    for (const sub of subresourcesOf(info)) {
      schemas[schemaName(sub.responseKind)] ??= kindSchema(sub.responseKind, `${sub.responseKind.kind}.`);
    }
  }
  return schemas;
}

const documents = new Map<string, OpenAPIV3Document | undefined>();

/**
 * The OpenAPI 3.0 document of one group/version, or undefined when it is not
 * served (404). Built once: RESOURCES does not change at runtime.
 */
export function openApiV3GroupVersion(group: string, version: string): OpenAPIV3Document | undefined {
  const key = openApiV3Key(group, version);
  if (!documents.has(key)) {
    const infos = resourcesIn(group, version);
    documents.set(
      key,
      infos.length === 0
        ? undefined
        : {
            openapi: "3.0.0",
            info: { title: "Kubernetes", version: SERVER_GIT_VERSION },
            paths: Object.assign({}, ...infos.map(resourcePaths)) as Record<string, JsonObject>,
            components: { schemas: schemasFor(group, version) },
          },
    );
  }
  return documents.get(key);
}

/**
 * The content hash Kubernetes appends to serverRelativeURL (upper-case hex
 * SHA-512 of the document), which clients use as a cache key. The route
 * serves the document whatever the hash parameter says.
 */
export function openApiV3Hash(doc: OpenAPIV3Document): string {
  return createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase();
}

/** `/openapi/v3`: where each group/version's document is. */
export function openApiV3Root(): OpenAPIV3Root {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of servedGroupVersions()) {
    const doc = openApiV3GroupVersion(gv.group, gv.version);
    if (doc === undefined) continue;
    const key = openApiV3Key(gv.group, gv.version);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${openApiV3Hash(doc)}` };
  }
  return { paths };
}
