/**
 * Pod IPs from one IPv4 /24 (or smaller) range, lowest free first, as a
 * host-local IPAM would hand them out. The network and gateway (.0 and .1)
 * and the broadcast address are never given.
 */
export class IpPool {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();

  /** `cidr` like "10.244.3.0/24"; prefixes from /16 to /30 are accepted. */
  constructor(cidr: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    const octets = m ? m.slice(1, 5).map(Number) : [];
    const prefix = m ? Number(m[5]) : NaN;
    if (!m || octets.some((o) => o > 255) || prefix < 16 || prefix > 30) {
      throw new Error(`invalid pod CIDR ${JSON.stringify(cidr)}: want an IPv4 range from /16 to /30`);
    }
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    this.size = 2 ** (32 - prefix);
    // Host bits cleared, so "10.0.0.7/24" means 10.0.0.0/24.
    const address = a * 2 ** 24 + b * 2 ** 16 + c * 2 ** 8 + d;
    this.base = address - (address % this.size);
  }

  /** The lowest free address, or undefined when the range is exhausted. */
  allocate(): string | undefined {
    for (let i = 2; i < this.size - 1; i++) {
      if (this.used.has(i)) continue;
      this.used.add(i);
      return format(this.base + i);
    }
    return undefined;
  }

  release(ip: string): void {
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4) return;
    const [a = 0, b = 0, c = 0, d = 0] = parts;
    this.used.delete(a * 2 ** 24 + b * 2 ** 16 + c * 2 ** 8 + d - this.base);
  }

  get inUse(): number {
    return this.used.size;
  }
}

function format(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}
