import { findResource, type Node, type ResourceInfo } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import type { Client } from "@ktl/client";
import type { ReconcileResult, Reconciler } from "@ktl/controller";
import type { DeepReadonly, Store } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import type { CidrSet } from "./cidr-set.js";
import { formatCidr } from "./cidr.js";

const NODES = findResource("", "nodes") as ResourceInfo;

/** With the cluster range full, a Node without a range is looked at again this often (and whenever one frees up). */
export const FULL_RETRY_MS = 30_000;

/** spec.podCIDRs[0] (dual-stack form) or spec.podCIDR; undefined when the Node has none. */
export function podCidrOf(node: DeepReadonly<Node>): string | undefined {
  return node.spec?.podCIDRs?.[0] || node.spec?.podCIDR || undefined;
}

export interface RangeAllocatorOptions {
  readonly client: Client;
  /** The nodes informer's cache. */
  readonly nodes: Store<Node>;
  readonly cidrs: CidrSet;
  readonly log: Logger;
  /** Adds a node name to the controller's queue. */
  readonly enqueue: (key: string) => void;
}

/**
 * Gives every Node a pod range from the cluster range (Kubernetes'
 * nodeipam `rangeAllocator`), one reconcile per Node name:
 *
 * - a Node that has a podCIDR keeps it, and its range is marked used;
 * - a Node without one gets the lowest free range, written to
 *   spec.podCIDR and spec.podCIDRs (the apiserver refuses to change a podCIDR
 *   once set, so a write can never move a Node to another range);
 * - a Node that is gone gives its range back, and Nodes waiting for a range
 *   are queued again;
 * - with the cluster range full, the Node waits: an error is logged and it is
 *   retried after FULL_RETRY_MS (no Event: Events are not written yet).
 *
 * Which range is used lives only in the Nodes; `rebuild` reads them back
 * after a (re)start, before any reconcile, so a restart never hands out a
 * range twice. Workers may reconcile different Nodes at once: allocation is
 * synchronous, so two of them can never take the same range.
 */
export class RangeAllocator implements Reconciler {
  private readonly client: Client;
  private readonly nodes: Store<Node>;
  private readonly cidrs: CidrSet;
  private readonly log: Logger;
  private readonly enqueue: (key: string) => void;
  /** The range each Node holds, or has been given and not yet been seen holding. */
  private readonly byNode = new Map<string, string>();
  /** How many Nodes hold each range: more than one only if Nodes were created with clashing podCIDRs. */
  private readonly holders = new Map<string, number>();
  /** Nodes waiting for a free range. */
  private readonly waiting = new Set<string>();

  constructor(options: RangeAllocatorOptions) {
    this.client = options.client;
    this.nodes = options.nodes;
    this.cidrs = options.cidrs;
    this.log = options.log;
    this.enqueue = options.enqueue;
  }

  /** Marks the ranges of the cached Nodes used. Call once the cache has synced, before the workers start. */
  rebuild(): void {
    for (const node of this.nodes.list()) {
      const name = node.metadata?.name;
      const cidr = podCidrOf(node);
      if (name && cidr) this.claim(name, cidr);
    }
    this.log.info("node ranges rebuilt from the Nodes", {
      used: this.cidrs.allocated,
      size: this.cidrs.size,
    });
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const node = this.nodes.get(name);
    if (!node) {
      this.release(name);
      return;
    }
    const existing = podCidrOf(node);
    if (existing) {
      this.claim(name, existing);
      return;
    }
    // A range given on an earlier pass whose write the cache has not shown yet: the same again.
    let cidr = this.byNode.get(name);
    if (!cidr) {
      cidr = this.cidrs.allocateNext();
      if (!cidr) {
        this.waiting.add(name);
        this.log.error("no pod range left for the node: the cluster range is full", {
          node: name,
          clusterCidr: formatCidr(this.cidrs.cluster),
          ranges: this.cidrs.size,
        });
        return { requeueAfterMs: FULL_RETRY_MS };
      }
      this.hold(name, cidr);
    }
    this.waiting.delete(name);
    try {
      await this.client.patch(NODES, undefined, name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
    } catch (err) {
      // Gone, or refused (say, a podCIDR set by someone else meanwhile): give the range
      // back; the next pass reads what the Node holds.
      this.release(name);
      if (isNotFound(err)) return;
      throw err;
    }
    this.log.info("assigned a pod range to the node", { node: name, podCIDR: cidr });
  }

  /** Records that `name` holds `cidr` (read from the Node), dropping a different range it was given. */
  private claim(name: string, cidr: string): void {
    const previous = this.byNode.get(name);
    if (previous === cidr) return;
    if (previous !== undefined) this.release(name);
    let inRange: boolean;
    try {
      inRange = this.cidrs.occupy(cidr);
    } catch {
      inRange = false;
    }
    if (!inRange) {
      this.log.warn("the node's podCIDR is not a range of the cluster range; keeping it", {
        node: name,
        podCIDR: cidr,
      });
    } else if ((this.holders.get(cidr) ?? 0) > 0) {
      this.log.error("two nodes have the same podCIDR", { node: name, podCIDR: cidr });
    }
    this.hold(name, cidr);
    this.waiting.delete(name);
  }

  private hold(name: string, cidr: string): void {
    this.byNode.set(name, cidr);
    this.holders.set(cidr, (this.holders.get(cidr) ?? 0) + 1);
  }

  /** `name` no longer holds a range: free it unless another Node holds it too, and wake the waiting. */
  private release(name: string): void {
    this.waiting.delete(name);
    const cidr = this.byNode.get(name);
    if (cidr === undefined) return;
    this.byNode.delete(name);
    const left = (this.holders.get(cidr) ?? 1) - 1;
    if (left > 0) {
      this.holders.set(cidr, left);
      return;
    }
    this.holders.delete(cidr);
    try {
      this.cidrs.release(cidr);
    } catch {
      return; // a malformed podCIDR was never in the set
    }
    for (const waiting of this.waiting) this.enqueue(waiting);
  }
}
