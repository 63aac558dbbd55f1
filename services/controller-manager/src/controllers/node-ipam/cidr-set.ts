import { formatCidr, nthSubnet, parseCidr, subnetCount, subnetIndex, type Cidr } from "./cidr.js";

/** Kubernetes caps a cluster range at 2^16 node subnets; so do we, keeping the bitmap small. */
const MAX_SUBNETS = 2 ** 16;

/**
 * The node subnets of a cluster range and which are taken (Kubernetes'
 * `cidrset.CidrSet`). Allocation is first-fit, so a range released by a
 * deleted Node is the next one handed out; Kubernetes walks round-robin
 * instead, which only delays reuse. Not persisted: the owner rebuilds it from
 * the Nodes' spec.podCIDR after a restart (`occupy`).
 */
export class CidrSet {
  readonly cluster: Cidr;
  readonly prefix: number;
  private readonly used: Uint8Array;
  private free: number;

  constructor(clusterCidr: string, nodeMaskSize: number) {
    this.cluster = parseCidr(clusterCidr);
    this.prefix = nodeMaskSize;
    const count = subnetCount(this.cluster, nodeMaskSize);
    if (count > MAX_SUBNETS) {
      throw new Error(
        `${clusterCidr} split into /${nodeMaskSize} makes ${count} node ranges; at most ${MAX_SUBNETS} are supported`,
      );
    }
    this.used = new Uint8Array(count);
    this.free = count;
  }

  get size(): number {
    return this.used.length;
  }

  get allocated(): number {
    return this.used.length - this.free;
  }

  /** The lowest free subnet, now taken; undefined when the range is full. */
  allocateNext(): string | undefined {
    if (this.free === 0) return undefined;
    const i = this.used.indexOf(0);
    if (i < 0) return undefined;
    this.used[i] = 1;
    this.free--;
    return formatCidr(nthSubnet(this.cluster, this.prefix, i));
  }

  /**
   * Marks `cidr` taken. Returns false when it is not one of this set's
   * subnets (another range or mask size) — the caller keeps such a podCIDR
   * but cannot protect it — and throws on a malformed CIDR.
   */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    if (this.used[i] === 0) {
      this.used[i] = 1;
      this.free--;
    }
    return true;
  }

  /** Marks `cidr` free again; a no-op for a subnet not in the set or not taken. */
  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i === undefined || this.used[i] === 0) return;
    this.used[i] = 0;
    this.free++;
  }

  isUsed(cidr: string): boolean {
    const i = this.indexOf(cidr);
    return i !== undefined && this.used[i] === 1;
  }

  private indexOf(cidr: string): number | undefined {
    return subnetIndex(this.cluster, this.prefix, parseCidr(cidr));
  }
}
