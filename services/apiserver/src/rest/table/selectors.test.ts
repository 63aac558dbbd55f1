import { describe, expect, it } from "vitest";
import { formatLabelSelector, formatLabels, labelSelectorString } from "./selectors.js";

describe("formatLabels", () => {
  it("sorts keys and joins k=v with commas", () => {
    expect(formatLabels({ tier: "web", app: "shop" })).toBe("app=shop,tier=web");
  });

  it("is <none> for no labels", () => {
    expect(formatLabels(undefined)).toBe("<none>");
    expect(formatLabels({})).toBe("<none>");
  });
});

describe("labelSelectorString", () => {
  it("prints matchLabels and expressions sorted by key, set values sorted", () => {
    expect(
      labelSelectorString({
        matchLabels: { zone: "a", app: "web" },
        matchExpressions: [
          { key: "tier", operator: "In", values: ["front", "back"] },
          { key: "env", operator: "NotIn", values: ["dev"] },
          { key: "canary", operator: "DoesNotExist" },
          { key: "owner", operator: "Exists" },
        ],
      }),
    ).toBe("app=web,!canary,env notin (dev),owner,tier in (back,front),zone=a");
  });

  it("is empty for a nil selector and for an empty one", () => {
    expect(labelSelectorString(undefined)).toBe("");
    expect(labelSelectorString({})).toBe("");
  });

  it("is an error for a bad operator or misplaced values", () => {
    expect(
      labelSelectorString({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }),
    ).toBeInstanceOf(Error);
    expect(
      labelSelectorString({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }),
    ).toBeInstanceOf(Error);
    expect(
      labelSelectorString({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }),
    ).toBeInstanceOf(Error);
  });
});

describe("formatLabelSelector", () => {
  it("is <none> when empty and <error> when invalid", () => {
    expect(formatLabelSelector({ matchLabels: { app: "web" } })).toBe("app=web");
    expect(formatLabelSelector(undefined)).toBe("<none>");
    expect(formatLabelSelector({ matchLabels: {} })).toBe("<none>");
    expect(formatLabelSelector({ matchExpressions: [{ key: "a", operator: "Near" }] })).toBe("<error>");
  });
});
