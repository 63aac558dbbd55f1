/**
 * Applies host-gw pod routes (pod-routes.ts) to a machine's main routing
 * table: lists what it owns (proto POD_ROUTE_PROTO), replaces what differs,
 * removes what no node wants. Idempotent; a sync with nothing to change runs
 * three read-only `ip` commands. The `unreachable` pod range route of
 * host-safety.ts stays underneath as the fallback for /24s nobody serves.
 */
import { parseCidr } from "./cidr.js";
import { DEFAULT_POD_CIDR } from "./host-safety.js";
import {
  POD_ROUTE_PROTO,
  desiredPodRoutes,
  diffPodRoutes,
  type ListedRoute,
  type PodRoute,
  type RoutableNode,
} from "./pod-routes.js";
import { runCommand, runWith, type Runner } from "./run.js";

export interface PodRouteSyncerOptions {
  /** This node's name (its pod CIDR is never routed). */
  readonly nodeName: string;
  /** The cluster's pod range; default 100.64.0.0/16. */
  readonly podRange?: string;
  /** Routes go through this interface only (`dev IFACE`); unset: wherever the next hop is. */
  readonly nodeInterface?: string;
  /** Default the host's; netnsRunner(ns) acts inside a namespace. */
  readonly runner?: Runner;
}

export interface PodRouteSyncResult {
  /** Routes installed or changed. */
  readonly replaced: PodRoute[];
  /** Destinations of owned routes removed. */
  readonly removed: string[];
  /** Nodes that get no route and why (bad or conflicting data: a retry will not help). */
  readonly problems: string[];
  /** Changes the kernel refused (e.g. a next hop not on a connected network): worth a retry. */
  readonly failed: string[];
}

export class PodRouteSyncer {
  private readonly runner: Runner;
  private readonly podRange: string;
  private readonly proto = String(POD_ROUTE_PROTO);

  constructor(private readonly options: PodRouteSyncerOptions) {
    this.runner = options.runner ?? runCommand;
    this.podRange = parseCidr(options.podRange ?? DEFAULT_POD_CIDR).text;
  }

  /** Makes the owned routes match `nodes`. Rejects only when the current state cannot be read. */
  async sync(nodes: Iterable<RoutableNode>): Promise<PodRouteSyncResult> {
    const { routes, problems } = desiredPodRoutes(nodes, {
      nodeName: this.options.nodeName,
      localAddresses: await this.localAddresses(),
      podRange: this.podRange,
    });
    const owned = await this.routes(["proto", this.proto]);
    const ownedDsts = new Set(owned.map((r) => r.dst));
    const foreign = (await this.routes([])).filter((r) => !ownedDsts.has(r.dst));
    const changes = diffPodRoutes(routes, owned, foreign, this.options.nodeInterface);
    for (const c of changes.conflicts) {
      problems.push(`node ${c.node}: a route to ${c.cidr} that ktl does not own exists; not replacing it`);
    }
    const failed: string[] = [];
    const removed: string[] = [];
    for (const dst of changes.remove) {
      // "proto" makes the kernel match only our route, never someone else's with that destination.
      const result = await this.runner("ip", [
        "-4",
        "route",
        "del",
        dst,
        "table",
        "main",
        "proto",
        this.proto,
      ]);
      if (result.code === 0) removed.push(dst);
      else failed.push(`removing the route to ${dst}: ${result.stderr.trim()}`);
    }
    const replaced: PodRoute[] = [];
    for (const route of changes.replace) {
      const dev = this.options.nodeInterface ? ["dev", this.options.nodeInterface] : [];
      const args = ["-4", "route", "replace", route.cidr, "via", route.via, ...dev, "table", "main"];
      const result = await this.runner("ip", [...args, "proto", this.proto]);
      if (result.code === 0) replaced.push(route);
      else failed.push(`node ${route.node}: route ${route.cidr} via ${route.via}: ${result.stderr.trim()}`);
    }
    return { replaced, removed, problems, failed };
  }

  /** Removes every owned route (teardown); returns their destinations. */
  async removeAll(): Promise<string[]> {
    return (await this.sync([])).removed;
  }

  /** Routes in the main table inside the pod range, optionally filtered further. */
  private async routes(filter: string[]): Promise<ListedRoute[]> {
    const args = ["-j", "-4", "route", "show", "table", "main", "root", this.podRange, ...filter];
    const text = await runWith(this.runner, "ip", args);
    return (JSON.parse(text || "[]") as ListedRoute[]).filter((r) => typeof r.dst === "string");
  }

  private async localAddresses(): Promise<string[]> {
    const text = await runWith(this.runner, "ip", ["-j", "-4", "addr", "show"]);
    const links = JSON.parse(text || "[]") as { addr_info?: { local?: string }[] }[];
    return links.flatMap((l) => l.addr_info ?? []).flatMap((a) => (a.local ? [a.local] : []));
  }
}
