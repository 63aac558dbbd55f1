/**
 * String formats Kubernetes checks that are specific to the core API (port
 * names, env var names, config keys, IPs...). Each returns Kubernetes'
 * messages, empty when the value is fine. Names and labels (DNS-1123,
 * qualified names) come from @ktl/apimachinery.
 */
import { inclusiveRangeError, maxLenError, regexError } from "@ktl/apimachinery";

export const IS_NEGATIVE_ERROR = "must be greater than or equal to 0";
export const IS_NOT_POSITIVE_ERROR = "must be greater than zero";
export const FIELD_IMMUTABLE_ERROR = "field is immutable";
export const PORT_RANGE_ERROR = inclusiveRangeError(1, 65535);
export const MAX_INT32 = 2147483647;

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [PORT_RANGE_ERROR];
}

/** IANA_SVC_NAME: at most 15 of [-a-z0-9], at least one letter, no "--", no leading or trailing '-'. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) {
    errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  } else {
    if (!/[a-z]/.test(port)) errs.push("must contain at least one letter (a-z)");
    if (port.includes("--")) errs.push("must not contain consecutive hyphens");
    if (port.startsWith("-") || port.endsWith("-")) errs.push("must not begin or end with a hyphen");
  }
  return errs;
}

function hasChDirPrefix(value: string): string[] {
  if (value === ".") return ["must not be '.'"];
  if (value === "..") return ["must not be '..'"];
  if (value.startsWith("..")) return ["must not start with '..'"];
  return [];
}

const ENV_VAR_NAME_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*";

export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!new RegExp(`^${ENV_VAR_NAME_FMT}$`).test(value)) {
    errs.push(
      regexError(
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
        ENV_VAR_NAME_FMT,
        "my.env-name",
        "MY_ENV.NAME",
        "MyEnvName1",
      ),
    );
  }
  return [...errs, ...hasChDirPrefix(value)];
}

const CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+";

export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!new RegExp(`^${CONFIG_MAP_KEY_FMT}$`).test(value)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        CONFIG_MAP_KEY_FMT,
        "key.name",
        "KEY_NAME",
        "key-name",
      ),
    );
  }
  return [...errs, ...hasChDirPrefix(value)];
}

const PERCENT_FMT = "[0-9]+%";

export function isValidPercent(value: string): string[] {
  if (new RegExp(`^${PERCENT_FMT}$`).test(value)) return [];
  return [
    regexError(
      "a valid percent string must be a numeric string followed by an ending '%'",
      PERCENT_FMT,
      "1%",
      "93%",
    ),
  ];
}

export function isValidUserOrGroupID(id: number): string[] {
  return Number.isInteger(id) && id >= 0 && id <= MAX_INT32 ? [] : [inclusiveRangeError(0, MAX_INT32)];
}

const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";

/** DNS-1035 label: Kubernetes' rule for Service names (must start with a letter). */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!new RegExp(`^${DNS1035_LABEL_FMT}$`).test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        "my-name",
        "abc-123",
      ),
    );
  }
  return errs;
}

/** Names that become one URL path segment (Kubernetes' path.ValidatePathSegmentName). */
export function isValidPathSegmentName(name: string): string[] {
  if (name === "." || name === "..") return [`may not be '${name}'`];
  return ["/", "%"].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

const HTTP_HEADER_NAME_FMT = "[-A-Za-z0-9]+";

export function isHTTPHeaderName(value: string): string[] {
  if (new RegExp(`^${HTTP_HEADER_NAME_FMT}$`).test(value)) return [];
  return [
    regexError(
      "a valid HTTP header must consist of alphanumeric characters or '-'",
      HTTP_HEADER_NAME_FMT,
      "X-Header-Name",
    ),
  ];
}

export const IP_ERROR = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
export const CIDR_ERROR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

/** Parses dotted-quad IPv4, tolerating leading zeros as Go's ParseIPSloppy does. */
export function parseIPv4(value: string): number[] | undefined {
  const parts = value.split(".");
  if (parts.length !== 4) return undefined;
  const octets = parts.map((p) => (/^[0-9]{1,3}$/.test(p) ? Number(p) : NaN));
  return octets.every((o) => o >= 0 && o <= 255) ? octets : undefined;
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
export function parseIPv6(value: string): number[] | undefined {
  if (!value.includes(":") || value.includes("%")) return undefined;
  let text = value;
  let v4Tail: number[] = [];
  // An embedded IPv4 tail ("::ffff:1.2.3.4") stands for the last two groups.
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    v4Tail = [(a << 8) | b, (c << 8) | d];
    const prefix = text.slice(0, lastColon + 1);
    text = prefix.endsWith("::") ? prefix : prefix.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === "" ? [] : h.split(":")));
  if (!groups.every((g) => g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)))) return undefined;
  const [head = [], tail = []] = groups.map((g) => g.map((x) => parseInt(x, 16)));
  const missing = 8 - head.length - tail.length - v4Tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  return [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail, ...v4Tail];
}

export function isIPv6(value: string): boolean {
  return parseIPv6(value) !== undefined;
}

export function isValidIP(value: string): boolean {
  return parseIPv4(value) !== undefined || isIPv6(value);
}

export function isValidCIDR(value: string): boolean {
  const [ip = "", bits, ...rest] = value.split("/");
  if (bits === undefined || rest.length > 0 || !/^[0-9]{1,3}$/.test(bits)) return false;
  const max = parseIPv4(ip) !== undefined ? 32 : isIPv6(ip) ? 128 : -1;
  return Number(bits) <= max;
}

/** Unspecified, loopback and link-local addresses make no sense as endpoints or external IPs. */
export function nonSpecialIPErrors(ip: string): string[] {
  const v4 = parseIPv4(ip);
  if (v4 !== undefined) {
    const [a = 0, b = 0, c = 0] = v4;
    if (v4.every((o) => o === 0)) return [`may not be unspecified (${ip})`];
    if (a === 127) return ["may not be in the loopback range (127.0.0.0/8, ::1/128)"];
    if (a === 169 && b === 254) return ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"];
    if (a === 224 && b === 0 && c === 0)
      return ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"];
    return [];
  }
  const g = parseIPv6(ip);
  if (g === undefined) return [];
  const [g0 = 0, , , , , g5 = 0, g6 = 0, g7 = 0] = g;
  // IPv4-mapped addresses (::ffff:a.b.c.d) are judged as the IPv4 address they carry.
  if (g.slice(0, 5).every((x) => x === 0) && g5 === 0xffff) {
    return nonSpecialIPErrors(`${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`);
  }
  if (g.every((x) => x === 0)) return [`may not be unspecified (${ip})`];
  if (g.slice(0, 7).every((x) => x === 0) && g7 === 1)
    return ["may not be in the loopback range (127.0.0.0/8, ::1/128)"];
  if ((g0 & 0xffc0) === 0xfe80) return ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"];
  if ((g0 & 0xff0f) === 0xff02)
    return ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"];
  return [];
}
