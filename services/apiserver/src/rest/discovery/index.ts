/**
 * The documents clients read before anything else: discovery (`/api`,
 * `/apis`, aggregated or not), `/version` and OpenAPI, all built from the
 * RESOURCES table. Pure builders; the routes live elsewhere.
 */
export type * from "./types.js";
export { apiGroup, apiGroupList, apiResourceList, apiVersions } from "./legacy.js";
export { aggregatedDiscovery } from "./aggregated.js";
export { negotiateDiscovery, type DiscoveryFormat } from "./negotiate.js";
export { versionInfo, type VersionInfo } from "./version.js";
export {
  OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
  openApiV2,
  openApiV2Protobuf,
  wantsOpenApiV2Protobuf,
  type SwaggerDocument,
} from "./openapi-v2.js";
export {
  openApiV3GroupVersion,
  openApiV3Hash,
  openApiV3Key,
  openApiV3Root,
  type OpenAPIV3Document,
  type OpenAPIV3Root,
} from "./openapi-v3.js";
