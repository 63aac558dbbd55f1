import { describe, it, expect } from "vitest";
import { z } from "zod";
import { fieldErrorMessage } from "@ktl/apimachinery";
import { checkShape, formatPath, oneOf, opt, requiredString, stringMap } from "./schema.js";

const Schema = z.object({
  spec: z.object({
    items: z.array(z.object({ name: requiredString(), mode: opt(oneOf(["A", "B"])) })),
    limits: opt(stringMap()),
  }),
});

describe("zod issues as field errors", () => {
  it("formats list indexes and map keys the way kubectl shows them", () => {
    expect(formatPath(Schema, ["spec", "items", 2, "name"])).toBe("spec.items[2].name");
    expect(formatPath(Schema, ["spec", "limits", "cpu"])).toBe("spec.limits[cpu]");
    expect(formatPath(Schema, ["spec", "limits"], "root")).toBe("root.spec.limits");
  });

  it("maps rules to Required, Unsupported and Invalid", () => {
    const result = checkShape(Schema, { spec: { items: [{ name: "", mode: "C" }, {}], limits: { cpu: 1 } } });
    expect(result.malformed).toBe(true);
    expect(result.errors.map(fieldErrorMessage)).toEqual([
      "spec.items[0].name: Required value",
      'spec.items[0].mode: Unsupported value: "C": supported values: "A", "B"',
      "spec.items[1].name: Required value",
      "spec.limits[cpu]: Invalid value: 1: must be of type string",
    ]);
  });

  it("treats null as absent", () => {
    expect(checkShape(Schema, { spec: { items: [{ name: "a", mode: null }], limits: null } })).toEqual({
      errors: [],
      malformed: false,
    });
  });
});
