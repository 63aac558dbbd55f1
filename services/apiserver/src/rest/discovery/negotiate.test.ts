import { describe, expect, it } from "vitest";
import { negotiateDiscovery, parseAccept } from "./negotiate.js";

const V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
const V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

describe("negotiateDiscovery", () => {
  it("serves v2 to kubectl >= 1.30", () => {
    expect(negotiateDiscovery(`${V2},${V2BETA1},application/json`)).toEqual({
      format: "aggregated",
      version: "v2",
      contentType: V2,
    });
  });

  it("serves v2beta1 to kubectl 1.26-1.29", () => {
    expect(negotiateDiscovery(`${V2BETA1},application/json`)).toEqual({
      format: "aggregated",
      version: "v2beta1",
      contentType: V2BETA1,
    });
  });

  it("serves the legacy document to plain JSON, wildcard and empty Accept", () => {
    expect(negotiateDiscovery("application/json")).toEqual({ format: "legacy" });
    expect(negotiateDiscovery("application/json, */*")).toEqual({ format: "legacy" });
    expect(negotiateDiscovery("*/*")).toEqual({ format: "legacy" });
    expect(negotiateDiscovery("")).toEqual({ format: "legacy" });
  });

  it("reads parameters in any order and answers with the canonical content type", () => {
    const accept = "application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io; charset=utf-8";
    expect(negotiateDiscovery(accept)).toEqual({ format: "aggregated", version: "v2", contentType: V2 });
  });

  it("honours q values before order", () => {
    expect(negotiateDiscovery(`${V2};q=0.5,application/json`)).toEqual({ format: "legacy" });
    expect(negotiateDiscovery(`application/json;q=0.9,${V2BETA1}`)).toMatchObject({ version: "v2beta1" });
  });

  it("skips entries it cannot serve: other kinds, unknown versions, other media types", () => {
    expect(negotiateDiscovery("application/json;as=Table;g=meta.k8s.io;v=v1,application/json")).toEqual({
      format: "legacy",
    });
    expect(
      negotiateDiscovery(`application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,${V2BETA1}`),
    ).toMatchObject({
      version: "v2beta1",
    });
    expect(
      negotiateDiscovery(
        `application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,${V2BETA1}`,
      ),
    ).toMatchObject({
      version: "v2beta1",
    });
    expect(negotiateDiscovery("application/json;as=APIGroupDiscoveryList,application/json")).toEqual({
      format: "legacy",
    });
  });

  it("falls back to legacy when nothing is acceptable", () => {
    expect(negotiateDiscovery("application/yaml")).toEqual({ format: "legacy" });
  });
});

describe("parseAccept", () => {
  it("sorts by q, then puts wildcards after specific types, keeping client order otherwise", () => {
    const clauses = parseAccept("*/*;q=0.8, text/*, application/json;q=0.9, text/plain, bogus");
    expect(clauses.map((c) => `${c.type}/${c.subtype};q=${c.q}`)).toEqual([
      "text/plain;q=1",
      "text/*;q=1",
      "application/json;q=0.9",
      "*/*;q=0.8",
    ]);
  });
});
