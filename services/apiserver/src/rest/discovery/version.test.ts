import { describe, expect, it } from "vitest";
import { versionInfo } from "./version.js";

describe("versionInfo", () => {
  it("claims Kubernetes 1.30 with a semver gitVersion", () => {
    const info = versionInfo();
    expect(info).toMatchObject({
      major: "1",
      minor: "30",
      gitTreeState: "clean",
      goVersion: "n/a",
      compiler: "n/a",
      platform: "linux/amd64",
    });
    const match = /^v(\d+)\.(\d+)\.(\d+)(\+[0-9A-Za-z.-]+)?$/.exec(info.gitVersion);
    expect(match?.slice(1, 3)).toEqual([info.major, info.minor]);
    expect(Number.isNaN(Date.parse(info.buildDate))).toBe(false);
    expect(info.gitCommit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("takes build details from the caller", () => {
    expect(
      versionInfo({ gitCommit: "abc", buildDate: "2025-01-01T00:00:00Z", platform: "linux/arm64" }),
    ).toMatchObject({
      gitCommit: "abc",
      buildDate: "2025-01-01T00:00:00Z",
      platform: "linux/arm64",
    });
  });
});
