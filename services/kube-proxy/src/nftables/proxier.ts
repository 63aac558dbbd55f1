/**
 * The kernel data path: the state rendered as one nftables table (see
 * render.ts) and loaded with `nft -f -`, one atomic transaction per sync.
 */
import { BRIDGE_PREFIX } from "@ktl/node-network";
import type { Logger } from "@ktl/service";
import { runCommand, type Runner } from "../exec.js";
import type { ProxyMetrics } from "../metrics.js";
import type { ProxyState } from "../model.js";
import type { Proxier } from "../proxier.js";
import { renderRuleset, tableNameFor, type RenderOptions, type RenderedNames } from "./render.js";
import { RouteLocalnet } from "./sysctl.js";

export interface NftablesProxierOptions {
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly clusterCidr: string;
  readonly log: Logger;
  readonly metrics: ProxyMetrics;
  readonly runner?: Runner;
  /** Pod bridges' name prefix; default the node-network one ("ktl"). */
  readonly bridgePrefix?: string;
}

export class NftablesProxier implements Proxier {
  readonly table: string;
  private readonly render: RenderOptions;
  private readonly runner: Runner;
  private readonly localnet: RouteLocalnet;
  /** What the last successful sync defined; undefined = recreate the table next time. */
  private previous: RenderedNames | undefined;

  constructor(private readonly options: NftablesProxierOptions) {
    this.table = tableNameFor(options.nodeName);
    const bridgePrefix = options.bridgePrefix ?? BRIDGE_PREFIX;
    this.render = {
      table: this.table,
      nodeName: options.nodeName,
      nodeIp: options.nodeIp,
      clusterCidr: options.clusterCidr,
      bridgePrefix,
    };
    this.runner = options.runner ?? runCommand;
    this.localnet = new RouteLocalnet(bridgePrefix);
  }

  async sync(state: ProxyState): Promise<void> {
    const rendered = renderRuleset(state, this.render, this.previous);
    const result = await this.runner("nft", ["-f", "-"], rendered.text);
    if (result.code !== 0) {
      // The kernel kept the old table; rebuild it from scratch next time.
      this.previous = undefined;
      throw new Error(`nft -f: exit ${result.code}: ${result.stderr.trim().slice(0, 2000)}`);
    }
    this.previous = rendered;
    this.options.metrics.nftRules = rendered.rules;
    await this.ensureLocalnet();
  }

  async housekeeping(): Promise<void> {
    await this.ensureLocalnet();
  }

  async stop(): Promise<void> {
    await this.runner("nft", ["delete", "table", "ip", this.table]);
    this.previous = undefined;
    // Another nftables proxy on this machine still needs route_localnet.
    const tables = await this.runner("nft", ["list", "tables", "ip"]);
    if (!/table ip ktl-proxy-/.test(tables.stdout)) await this.localnet.restore();
  }

  private async ensureLocalnet(): Promise<void> {
    const changed = await this.localnet.ensure();
    if (changed.length > 0) this.options.log.info("route_localnet on", { interfaces: changed });
  }
}
