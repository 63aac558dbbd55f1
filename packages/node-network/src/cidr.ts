/** IPv4 CIDR parsing, enough for pod and service ranges. */

export interface Cidr {
  /** The network address as a 32-bit unsigned number. */
  readonly base: number;
  readonly prefix: number;
  /** Canonical text, e.g. "100.64.3.0/24". */
  readonly text: string;
}

export function parseIpv4(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${text}`);
  let value = 0;
  for (const part of parts) {
    const n = Number(part);
    if (!/^\d{1,3}$/.test(part) || n > 255) throw new Error(`not an IPv4 address: ${text}`);
    value = value * 256 + n;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Parses "a.b.c.d/n"; host bits must be zero. */
export function parseCidr(text: string): Cidr {
  const [addr, len, ...rest] = text.split("/");
  const prefix = Number(len);
  if (!addr || rest.length > 0 || !/^\d{1,2}$/.test(len ?? "") || prefix > 32) {
    throw new Error(`not an IPv4 CIDR: ${text}`);
  }
  const base = parseIpv4(addr);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) throw new Error(`${text} has host bits set`);
  return { base, prefix, text: `${formatIpv4(base)}/${prefix}` };
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const value = parseIpv4(ip);
  return value >= cidr.base && value < cidr.base + 2 ** (32 - cidr.prefix);
}
