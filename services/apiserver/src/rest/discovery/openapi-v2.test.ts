import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import {
  OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
  openApiV2,
  openApiV2Protobuf,
  wantsOpenApiV2Protobuf,
} from "./openapi-v2.js";

/** The fields of gnostic's openapi.v2.Document that the encoder writes. */
const Document = protobuf
  .parse(
    `syntax = "proto3"; package openapi.v2;
     message Info { string title = 1; string version = 2; }
     message Paths {}
     message Definitions {}
     message Document { string swagger = 1; Info info = 2; Paths paths = 8; Definitions definitions = 9; }`,
  )
  .root.lookupType("openapi.v2.Document");

describe("openApiV2", () => {
  it("is an empty Swagger 2.0 document", () => {
    expect(openApiV2()).toEqual({
      swagger: "2.0",
      info: { title: "Kubernetes", version: "v1.30.0+ktl" },
      paths: {},
      definitions: {},
    });
  });
});

describe("openApiV2Protobuf", () => {
  it("encodes the same document as an openapi.v2.Document message", () => {
    const decoded = Document.toObject(Document.decode(openApiV2Protobuf()), { defaults: false });
    expect(decoded).toEqual({
      swagger: "2.0",
      info: { title: "Kubernetes", version: "v1.30.0+ktl" },
      paths: {},
      definitions: {},
    });
  });

  it("starts with the swagger field, tag 1", () => {
    expect([...openApiV2Protobuf().subarray(0, 5)]).toEqual([0x0a, 3, 0x32, 0x2e, 0x30]);
  });
});

describe("wantsOpenApiV2Protobuf", () => {
  it("recognises kubectl's Accept and the dotted spelling", () => {
    expect(wantsOpenApiV2Protobuf("application/com.github.proto-openapi.spec.v2@v1.0+protobuf")).toBe(true);
    expect(wantsOpenApiV2Protobuf(`application/json;q=0.5, ${OPENAPI_V2_PROTOBUF_CONTENT_TYPE}`)).toBe(true);
    expect(wantsOpenApiV2Protobuf("application/json")).toBe(false);
    expect(wantsOpenApiV2Protobuf("")).toBe(false);
  });

  it("answers with a content type Go's mime parser accepts (no '@')", () => {
    expect(OPENAPI_V2_PROTOBUF_CONTENT_TYPE).toBe(
      "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
    );
  });
});
