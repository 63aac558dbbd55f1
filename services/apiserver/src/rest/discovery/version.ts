/**
 * `/version`. kubectl only compares it in `kubectl version`, warning when the
 * minor versions differ by more than one. We claim 1.30, the middle of the
 * kubectl range we support (1.27-1.33): 1.29-1.31 see no warning and the worst
 * skew is 3 minors, where claiming 1.32 would leave 1.27 five behind. 1.30 is
 * also the first release with everything this server speaks at GA: aggregated
 * discovery v2, fieldValidation and meta.k8s.io/v1 Tables.
 *
 * The "+ktl" suffix is semver build metadata, which does not affect version
 * precedence, so clients comparing "at least v1.30.0" get true; a "-ktl"
 * suffix would make this a pre-release, older than v1.30.0.
 */

export interface VersionInfo {
  readonly major: string;
  readonly minor: string;
  readonly gitVersion: string;
  readonly gitCommit: string;
  readonly gitTreeState: string;
  readonly buildDate: string;
  readonly goVersion: string;
  readonly compiler: string;
  readonly platform: string;
}

export const SERVER_MAJOR = "1";
export const SERVER_MINOR = "30";
export const SERVER_GIT_VERSION = `v${SERVER_MAJOR}.${SERVER_MINOR}.0+ktl`;

export function versionInfo(
  overrides: Partial<Pick<VersionInfo, "gitCommit" | "buildDate" | "platform">> = {},
): VersionInfo {
  return {
    major: SERVER_MAJOR,
    minor: SERVER_MINOR,
    gitVersion: SERVER_GIT_VERSION,
    gitCommit: overrides.gitCommit ?? "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: overrides.buildDate ?? "2024-04-17T00:00:00Z",
    goVersion: "n/a",
    compiler: "n/a",
    platform: overrides.platform ?? "linux/amd64",
  };
}
