import type { Node } from "@ktl/api";
import type { Logger } from "@ktl/service";
import { NODES, type NodeClient } from "./register.js";

/**
 * Waits until the controller-manager's node-ipam controller has given the
 * Node a spec.podCIDR, and returns it. Polls (a Node's range is set once and
 * never changes, so a watch would serve a single event). Rejects when
 * `signal` aborts.
 */
export async function waitForPodCidr(options: {
  client: Pick<NodeClient, "get">;
  nodeName: string;
  signal: AbortSignal;
  log: Logger;
  intervalMs?: number;
}): Promise<string> {
  const interval = options.intervalMs ?? 1000;
  let logged = false;
  for (;;) {
    options.signal.throwIfAborted();
    try {
      const node = await options.client.get<Node>(NODES, undefined, options.nodeName);
      const cidr = node.spec?.podCIDR || node.spec?.podCIDRs?.[0];
      if (cidr) return cidr;
    } catch (err) {
      options.log.warn("reading the Node for its podCIDR failed", {
        node: options.nodeName,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    if (!logged) {
      options.log.info("waiting for podCIDR", { node: options.nodeName });
      logged = true;
    }
    await sleep(interval, options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
