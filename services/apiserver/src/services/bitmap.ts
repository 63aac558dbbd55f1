/**
 * A fixed-size set of taken offsets, as Kubernetes' allocator.AllocationBitmap
 * (pkg/registry/core/service/allocator). Pure and synchronous: it knows
 * nothing about IPs, ports or etcd; `ranges.ts` maps values to offsets and
 * `range-state.ts` stores snapshots.
 */

/** Picks an integer in [0, n); injectable so tests are deterministic. */
export type RandomInt = (n: number) => number;

export const defaultRandom: RandomInt = (n) => Math.floor(Math.random() * n);

export class AllocationBitmap {
  private readonly bits: Uint8Array;
  private used = 0;

  /**
   * @param size how many offsets there are (0 … size-1)
   * @param staticBand offsets below this are handed out dynamically only once
   *   every offset above is taken, leaving them to explicit requests
   *   (Kubernetes' "static band" of a range, KEP-3070)
   * @param reserved offsets below this are never handed out dynamically at
   *   all (the service range's first address, kept for `kubernetes`)
   */
  constructor(
    readonly size: number,
    readonly staticBand = 0,
    readonly reserved = 0,
  ) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`bad bitmap size ${size}`);
    this.bits = new Uint8Array(Math.ceil(size / 8));
  }

  /** How many offsets are taken. */
  get count(): number {
    return this.used;
  }

  has(offset: number): boolean {
    if (!this.inRange(offset)) return false;
    return ((this.bits[offset >> 3] ?? 0) & (1 << (offset & 7))) !== 0;
  }

  /** Takes `offset`; false when it was already taken. Throws when out of range. */
  allocate(offset: number): boolean {
    if (!this.inRange(offset)) throw new RangeError(`offset ${offset} is outside 0…${this.size - 1}`);
    if (this.has(offset)) return false;
    this.setBit(offset, true);
    this.used++;
    return true;
  }

  /** Frees `offset`; freeing a free or out-of-range offset does nothing. */
  release(offset: number): void {
    if (!this.has(offset)) return;
    this.setBit(offset, false);
    this.used--;
  }

  /**
   * Takes a free offset and returns it, or undefined when none is left for
   * dynamic allocation. As Kubernetes' randomScanStrategyWithOffset: a random
   * start in the upper band scanning forward (wrapping inside the band), then
   * the same in the static band; reserved offsets are skipped.
   */
  allocateNext(random: RandomInt = defaultRandom): number | undefined {
    const found =
      this.scan(Math.max(this.staticBand, this.reserved), this.size, random) ??
      this.scan(this.reserved, Math.min(this.staticBand, this.size), random);
    if (found !== undefined) this.allocate(found);
    return found;
  }

  /** Every taken offset, ascending. */
  *offsets(): Generator<number> {
    for (let byte = 0; byte < this.bits.length; byte++) {
      const value = this.bits[byte] ?? 0;
      if (value === 0) continue;
      for (let bit = 0; bit < 8; bit++) if (value & (1 << bit)) yield byte * 8 + bit;
    }
  }

  /**
   * The snapshot Kubernetes stores in RangeAllocation.data: the bitmap as a
   * big integer (bit i = offset i) in big-endian bytes without leading
   * zeros, as Go's big.Int.Bytes returns it.
   */
  snapshot(): Uint8Array {
    let last = this.bits.length - 1;
    while (last >= 0 && this.bits[last] === 0) last--;
    const out = new Uint8Array(last + 1);
    for (let i = 0; i <= last; i++) out[last - i] = this.bits[i] ?? 0;
    return out;
  }

  /**
   * Loads a snapshot, replacing the current state. Bits beyond `size` (a
   * snapshot of a larger range) are dropped, as Kubernetes' Restore does.
   */
  restore(data: Uint8Array): void {
    this.bits.fill(0);
    this.used = 0;
    const n = Math.min(data.length, this.bits.length);
    for (let i = 0; i < n; i++) this.bits[i] = data[data.length - 1 - i] ?? 0;
    const tailBits = this.size % 8;
    const lastByte = this.bits.length - 1;
    if (tailBits !== 0 && lastByte >= 0)
      this.bits[lastByte] = (this.bits[lastByte] ?? 0) & ((1 << tailBits) - 1);
    for (const byte of this.bits) this.used += popcount(byte);
  }

  clone(): AllocationBitmap {
    const copy = new AllocationBitmap(this.size, this.staticBand, this.reserved);
    copy.bits.set(this.bits);
    copy.used = this.used;
    return copy;
  }

  private inRange(offset: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && offset < this.size;
  }

  private setBit(offset: number, on: boolean): void {
    const i = offset >> 3;
    const mask = 1 << (offset & 7);
    const byte = this.bits[i] ?? 0;
    this.bits[i] = on ? byte | mask : byte & ~mask;
  }

  private scan(from: number, to: number, random: RandomInt): number | undefined {
    const span = to - from;
    if (span <= 0) return undefined;
    const start = random(span);
    for (let i = 0; i < span; i++) {
      const at = from + ((start + i) % span);
      if (!this.has(at)) return at;
    }
    return undefined;
  }
}

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b !== 0; b &= b - 1) n++;
  return n;
}
