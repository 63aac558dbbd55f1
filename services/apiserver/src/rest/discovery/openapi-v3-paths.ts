/**
 * The OpenAPI v3 paths of one resource, shaped as kube-apiserver publishes
 * them: one operation per verb, each tagged with x-kubernetes-action and
 * x-kubernetes-group-version-kind, and the write operations (POST, PUT,
 * PATCH) declaring the dryRun, fieldManager and fieldValidation query
 * parameters. kubectl reads the PATCH operations to learn that the server
 * validates fields itself (see openapi-v3.ts). Schemas are named, not spelled
 * out.
 */
import type { ResourceInfo } from "@ktl/api";
import { subresourcesOf } from "./subresources.js";
import type { GroupVersionKind } from "./types.js";

export type JsonObject = { readonly [key: string]: unknown };

/** "io.k8s.api.apps.v1.Deployment": Kubernetes' definition name of a kind. */
export function schemaName(gvk: GroupVersionKind): string {
  if (gvk.group === "meta.k8s.io") return `io.k8s.apimachinery.pkg.apis.meta.${gvk.version}.${gvk.kind}`;
  const pkg = gvk.group === "" ? "core" : (gvk.group.split(".")[0] ?? gvk.group);
  return `io.k8s.api.${pkg}.${gvk.version}.${gvk.kind}`;
}

const PATCH_SCHEMA = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
const STATUS_SCHEMA = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

const FIELD_VALIDATION_DESCRIPTION =
  "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing " +
  "unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently " +
  "dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is " +
  "the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header " +
  "for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The " +
  "request will still succeed if there are no other errors, and will only persist the last of any duplicate " +
  "fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any " +
  "unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned " +
  "from the server will contain all unknown and duplicate fields encountered.";

const queryParam = (name: string, description: string, type = "string"): JsonObject => ({
  name,
  in: "query",
  description,
  schema: { type, uniqueItems: true },
});

const DRY_RUN = queryParam(
  "dryRun",
  "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed",
);
const FIELD_MANAGER = queryParam(
  "fieldManager",
  "fieldManager is a name associated with the actor or entity that is making these changes.",
);
const FIELD_VALIDATION = queryParam("fieldValidation", FIELD_VALIDATION_DESCRIPTION);
const FORCE = queryParam("force", 'Force is going to "force" Apply requests.', "boolean");

const WRITE_PARAMS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];

const pathParam = (name: string, description: string): JsonObject => ({
  name,
  in: "path",
  description,
  required: true,
  schema: { type: "string", uniqueItems: true },
});

const NAME_PARAM = pathParam("name", "name of the object");
const NAMESPACE_PARAM = pathParam("namespace", "object name and auth scope, such as for teams and projects");

/** "Apps" for apps, "Core" for the core group, "RbacAuthorization" for rbac.authorization.k8s.io. */
function groupWord(group: string): string {
  if (group === "") return "Core";
  return group
    .replace(/\.k8s\.io$/, "")
    .split(".")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

type Action = "get" | "list" | "post" | "put" | "patch" | "delete" | "deletecollection";

const OPERATION_VERB: Record<Action, string> = {
  get: "read",
  list: "list",
  post: "create",
  put: "replace",
  patch: "patch",
  delete: "delete",
  deletecollection: "delete",
};

const jsonResponse = (schema: string, description = "OK"): JsonObject => ({
  description,
  content: { "application/json": { schema: ref(schema) } },
});

interface OperationName {
  /** Appended to the operation id: "Status", "Scale", "ForAllNamespaces". */
  readonly suffix?: string;
  /** Whether the id says "Namespaced"; false for the all-namespaces list. */
  readonly namespaced?: boolean;
}

/** One operation; writes get the field-validation parameters and a request body. */
function operation(
  info: ResourceInfo,
  action: Action,
  gvk: GroupVersionKind,
  name: OperationName = {},
): JsonObject {
  const scope = (name.namespaced ?? info.namespaced) ? "Namespaced" : "";
  const collection = action === "deletecollection" ? "Collection" : "";
  const words = [
    OPERATION_VERB[action],
    groupWord(info.group),
    capitalize(info.version),
    collection,
    scope,
    info.kind,
  ];
  const id = words.join("") + (name.suffix ?? "");
  const body = schemaName(gvk);
  const base = { operationId: id, "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk };
  switch (action) {
    case "post":
    case "put":
      return {
        ...base,
        parameters: WRITE_PARAMS,
        requestBody: { content: { "application/json": { schema: ref(body) } }, required: true },
        responses: { "200": jsonResponse(body), "201": jsonResponse(body, "Created") },
      };
    case "patch":
      // No application/strategic-merge-patch+json here on purpose: kubectl
      // >= 1.27 would then compute apply patches from this document's (empty)
      // schemas; without it, it uses its compiled-in types, as against any
      // server whose OpenAPI lacks the kind.
      return {
        ...base,
        parameters: [...WRITE_PARAMS, FORCE],
        requestBody: {
          content: {
            "application/json-patch+json": { schema: ref(PATCH_SCHEMA) },
            "application/merge-patch+json": { schema: ref(PATCH_SCHEMA) },
          },
          required: true,
        },
        responses: { "200": jsonResponse(body), "201": jsonResponse(body, "Created") },
      };
    case "list":
      return { ...base, responses: { "200": jsonResponse(`${body}List`) } };
    case "deletecollection":
    case "delete":
      return { ...base, parameters: [DRY_RUN], responses: { "200": jsonResponse(STATUS_SCHEMA) } };
    default:
      return { ...base, responses: { "200": jsonResponse(body) } };
  }
}

/** Which verbs are served on which HTTP method, as which x-kubernetes-action. */
type Method = readonly [verb: string, method: string, action: Action];

const COLLECTION_METHODS: readonly Method[] = [
  ["list", "get", "list"],
  ["create", "post", "post"],
  ["deletecollection", "delete", "deletecollection"],
];
const ITEM_METHODS: readonly Method[] = [
  ["get", "get", "get"],
  ["update", "put", "put"],
  ["patch", "patch", "patch"],
  ["delete", "delete", "delete"],
];
const SUBRESOURCE_METHODS: readonly Method[] = [
  ["get", "get", "get"],
  ["create", "post", "post"],
  ["update", "put", "put"],
  ["patch", "patch", "patch"],
];

function methods(
  info: ResourceInfo,
  verbs: readonly string[],
  table: readonly Method[],
  gvk: GroupVersionKind,
  name?: OperationName,
): Record<string, JsonObject> {
  const ops: Record<string, JsonObject> = {};
  for (const [verb, method, action] of table) {
    if (verbs.includes(verb)) ops[method] = operation(info, action, gvk, name);
  }
  return ops;
}

/**
 * Every path of one resource: its collection (list, create, deletecollection),
 * the all-namespaces list for namespaced kinds, its items (read, replace,
 * patch, delete) and each subresource.
 */
export function resourcePaths(info: ResourceInfo): Record<string, JsonObject> {
  const gvk: GroupVersionKind = { group: info.group, version: info.version, kind: info.kind };
  const prefix = info.group === "" ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const collectionPath = `${prefix}${info.namespaced ? "/namespaces/{namespace}" : ""}/${info.resource}`;
  const scopeParams = info.namespaced ? [NAMESPACE_PARAM] : [];
  const itemParams = [NAME_PARAM, ...scopeParams];

  const paths: Record<string, JsonObject> = {
    [collectionPath]: { parameters: scopeParams, ...methods(info, info.verbs, COLLECTION_METHODS, gvk) },
  };
  if (info.namespaced && info.verbs.includes("list")) {
    paths[`${prefix}/${info.resource}`] = {
      get: operation(info, "list", gvk, { suffix: "ForAllNamespaces", namespaced: false }),
    };
  }
  paths[`${collectionPath}/{name}`] = {
    parameters: itemParams,
    ...methods(info, info.verbs, ITEM_METHODS, gvk),
  };
  for (const sub of subresourcesOf(info)) {
    const ops = methods(info, sub.verbs, SUBRESOURCE_METHODS, sub.responseKind, {
      suffix: capitalize(sub.name),
    });
    paths[`${collectionPath}/{name}/${sub.name}`] = { parameters: itemParams, ...ops };
  }
  return paths;
}
