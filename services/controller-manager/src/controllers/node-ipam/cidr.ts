/**
 * Pure IPv4 CIDR arithmetic for the node IPAM controller. Addresses are
 * unsigned 32-bit numbers; a `Cidr` is always normalized to its network
 * address (host bits zero), as Go's net.ParseCIDR returns it.
 */

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  readonly base: number;
  /** Prefix length, 0–32. */
  readonly prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** An IPv4 address in dotted-quad form, as a number; throws on anything else. */
export function parseIp(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) {
    throw new Error(`invalid IPv4 address: ${JSON.stringify(text)}`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIp(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
}

/** The netmask of a prefix length, as a number (`/0` is 0). */
function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.0.1.7/16" → 10.0.0.0/16; throws on a malformed address or prefix. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const prefixText = slash < 0 ? "" : text.slice(slash + 1);
  if (slash < 0 || !/^(3[0-2]|[12]?\d)$/.test(prefixText)) {
    throw new Error(`invalid CIDR: ${JSON.stringify(text)}`);
  }
  const prefix = Number(prefixText);
  return { base: (parseIp(text.slice(0, slash)) & mask(prefix)) >>> 0, prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.base)}/${cidr.prefix}`;
}

/** How many subnets of length `prefix` `cidr` splits into. */
export function subnetCount(cidr: Cidr, prefix: number): number {
  if (prefix < cidr.prefix || prefix > 32) {
    throw new Error(`a /${prefix} subnet does not fit in ${formatCidr(cidr)}`);
  }
  return 2 ** (prefix - cidr.prefix);
}

/** The `n`-th (from 0) subnet of length `prefix` of `cidr`. */
export function nthSubnet(cidr: Cidr, prefix: number, n: number): Cidr {
  const count = subnetCount(cidr, prefix);
  if (!Number.isInteger(n) || n < 0 || n >= count) {
    throw new Error(`${formatCidr(cidr)} has no subnet /${prefix} number ${n} (it has ${count})`);
  }
  return { base: cidr.base + n * 2 ** (32 - prefix), prefix };
}

/** Whether `inner` (an address or a range) lies wholly inside `outer`. */
export function contains(outer: Cidr, inner: Cidr | number): boolean {
  const range = typeof inner === "number" ? { base: inner, prefix: 32 } : inner;
  if (range.prefix < outer.prefix) return false;
  return (range.base & mask(outer.prefix)) >>> 0 === outer.base;
}

/**
 * Which subnet of length `prefix` of `cidr` the range `subnet` is; undefined
 * unless it is exactly one of them (inside, with that prefix length).
 */
export function subnetIndex(cidr: Cidr, prefix: number, subnet: Cidr): number | undefined {
  if (subnet.prefix !== prefix || !contains(cidr, subnet)) return undefined;
  return (subnet.base - cidr.base) / 2 ** (32 - prefix);
}
