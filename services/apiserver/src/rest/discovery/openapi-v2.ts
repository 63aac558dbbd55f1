/**
 * `/openapi/v2`: an empty but valid Swagger 2.0 document.
 *
 * kubectl fetches it with `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
 * only, and decodes the body as the gnostic openapi_v2.Document protobuf
 * whatever the Content-Type says, so the route must send the protobuf form
 * (openApiV2Protobuf) to kubectl; JSON is for other clients. The reply's
 * Content-Type must be the dotted spelling kube-openapi answers with,
 * OPENAPI_V2_PROTOBUF_CONTENT_TYPE: the "@" one is not a valid media type for
 * Go's mime.ParseMediaType, and kubectl 1.27/1.28 fail the request with
 * "mime: unexpected content after media subtype" when they see it. With no paths and
 * no definitions, kubectl's client-side schema validation finds no schema for
 * any kind and passes, and client-side apply computes strategic merge patches
 * from its compiled-in types. kubectl 1.27 builds its validator eagerly from
 * this document, so an error here (404, or JSON where protobuf was asked for)
 * fails `kubectl apply/create` with "failed to download openapi".
 */
import { SERVER_GIT_VERSION } from "./version.js";

/** The Content-Type to answer protobuf requests with (kube-openapi's). */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/** Both spellings clients send in Accept: the deprecated "@" one (kubectl's) and the dotted one. */
const PROTOBUF_MEDIA_TYPES = [
  "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
  OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
];

export interface SwaggerDocument {
  readonly swagger: "2.0";
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Record<string, never>;
  readonly definitions: Record<string, never>;
}

export function openApiV2(): SwaggerDocument {
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: SERVER_GIT_VERSION },
    paths: {},
    definitions: {},
  };
}

/** A length-delimited protobuf field (wire type 2): tag, varint length, bytes. */
function lengthDelimited(field: number, body: Uint8Array): Uint8Array {
  const length: number[] = [];
  let n = body.length;
  do {
    length.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Uint8Array.from([(field << 3) | 2, ...length, ...body]);
}

const text = (field: number, value: string): Uint8Array =>
  lengthDelimited(field, new TextEncoder().encode(value));

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/**
 * openApiV2() as an openapi.v2.Document message (gnostic OpenAPIv2.proto):
 * swagger = 1, info = 2 {title = 1, version = 2}, paths = 8, definitions = 9.
 * Empty paths and definitions are sent as present-but-empty messages.
 */
export function openApiV2Protobuf(): Uint8Array {
  const doc = openApiV2();
  const info = concat([text(1, doc.info.title), text(2, doc.info.version)]);
  return concat([
    text(1, doc.swagger),
    lengthDelimited(2, info),
    lengthDelimited(8, new Uint8Array()),
    lengthDelimited(9, new Uint8Array()),
  ]);
}

/** Whether an Accept header asks for the protobuf form (kubectl's does, exclusively). */
export function wantsOpenApiV2Protobuf(acceptHeader: string): boolean {
  return acceptHeader
    .split(",")
    .some((entry) => PROTOBUF_MEDIA_TYPES.includes(entry.split(";")[0]?.trim() ?? ""));
}
