/**
 * The two ranges a Service draws from — cluster IPs (`--service-cluster-ip-range`)
 * and node ports (`--service-node-port-range`) — as offsets into a bitmap,
 * with Kubernetes' layout: a CIDR's network and broadcast addresses are never
 * offsets, and each range has a static band that dynamic allocation leaves
 * for explicit requests until the rest is full.
 */
import { AllocationBitmap } from "./bitmap.js";

/** A range of allocatable values, each with an offset in a bitmap. */
export interface AllocationRange<V> {
  /** As stored in RangeAllocation.range and quoted in errors: "100.96.0.0/16", "30000-32767". */
  readonly text: string;
  readonly size: number;
  /** The value's offset, or undefined when the value is outside the range. */
  offsetOf(value: V): number | undefined;
  valueAt(offset: number): V;
  /** An empty bitmap with this range's size, static band and reserved offsets. */
  newBitmap(): AllocationBitmap;
}

/** An IPv4 service CIDR: offset 0 is the address after the network address. */
export class ServiceIPRange implements AllocationRange<string> {
  readonly text: string;
  readonly size: number;
  private readonly base: number;
  private readonly staticBand: number;

  constructor(cidr: string) {
    const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr.trim());
    const network = match ? ipv4ToNumber(match[1] ?? "") : undefined;
    const prefix = Number(match?.[2]);
    if (network === undefined || !(prefix >= 0 && prefix <= 32)) {
      throw new Error(
        `invalid --service-cluster-ip-range "${cidr}": must be an IPv4 CIDR such as 100.96.0.0/16`,
      );
    }
    // The bitmap is kept whole in one etcd value, as in Kubernetes.
    if (prefix < 12) {
      throw new Error(
        `specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12`,
      );
    }
    if (prefix > 30) {
      throw new Error(`specified --service-cluster-ip-range ${cidr} is too small; the mask must be <= 30`);
    }
    const total = 2 ** (32 - prefix);
    const masked = network - (network % total);
    this.text = `${numberToIPv4(masked)}/${prefix}`;
    this.base = masked + 1;
    this.size = total - 2;
    this.staticBand = bandSize(total, { min: 16, max: 256, step: 16 });
  }

  /** The first address, which Kubernetes gives the `default/kubernetes` Service. */
  get firstIP(): string {
    return this.valueAt(0);
  }

  offsetOf(ip: string): number | undefined {
    const n = ipv4ToNumber(ip);
    if (n === undefined) return undefined;
    const offset = n - this.base;
    return offset >= 0 && offset < this.size ? offset : undefined;
  }

  valueAt(offset: number): string {
    return numberToIPv4(this.base + offset);
  }

  newBitmap(): AllocationBitmap {
    // Offset 0 (the first address) is never handed out dynamically: it is the
    // kubernetes Service's, even before that Service exists.
    return new AllocationBitmap(this.size, this.staticBand, 1);
  }
}

/** A node port range such as 30000-32767 (also accepted: "30000+2767", "30000"). */
export class PortRange implements AllocationRange<number> {
  readonly text: string;
  readonly size: number;
  readonly base: number;
  private readonly staticBand: number;

  constructor(spec: string) {
    const match = /^(\d+)(?:([-+])(\d+))?$/.exec(spec.trim());
    const base = Number(match?.[1]);
    const other = match?.[3] === undefined ? undefined : Number(match[3]);
    const last = other === undefined ? base : match?.[2] === "+" ? base + other : other;
    if (!match || !(base >= 1 && last <= 65535 && last >= base)) {
      throw new Error(`invalid --service-node-port-range "${spec}": must be FIRST-LAST within 1-65535`);
    }
    this.base = base;
    this.size = last - base + 1;
    this.text = `${base}-${last}`;
    this.staticBand = bandSize(this.size, { min: 16, max: 128, step: 32 });
  }

  offsetOf(port: number): number | undefined {
    const offset = port - this.base;
    return Number.isInteger(offset) && offset >= 0 && offset < this.size ? offset : undefined;
  }

  valueAt(offset: number): number {
    return this.base + offset;
  }

  newBitmap(): AllocationBitmap {
    return new AllocationBitmap(this.size, this.staticBand);
  }
}

/** Kubernetes' calculateRangeOffset: min(max(min, size/step), max), or 0 for tiny ranges. */
function bandSize(size: number, { min, max, step }: { min: number; max: number; step: number }): number {
  if (size <= min) return 0;
  return Math.min(Math.max(min, Math.floor(size / step)), max);
}

export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function numberToIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}
