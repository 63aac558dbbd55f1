/** NodePorts: a pod's host ports must be free on the node (HostPortInfo.CheckConflict). */
import type { Pod } from "@ktl/api";
import { SUCCESS, unschedulable } from "../../framework/interface.js";
import type { CycleState, FilterPlugin, NodeInfo } from "../../framework/interface.js";
import { cached } from "../cycle.js";

export const NAME = "NodePorts";
// Built once: a fresh template string per call would be re-hashed on every CycleState lookup.
const PORTS_KEY = `${NAME}/ports`;
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";
const BIND_ALL = "0.0.0.0";

export interface HostPort {
  readonly protocol: string;
  readonly hostIP: string;
  readonly port: number;
}

/** An empty protocol is TCP and an empty host IP binds all addresses, as the kubelet treats them. */
function sanitize(protocol: string | undefined, hostIP: string | undefined, port: number): HostPort {
  return { protocol: protocol || "TCP", hostIP: hostIP || BIND_ALL, port };
}

/** The NodeInfo.usedPorts key of a host port; the cache should build usedPorts with this. */
export function hostPortKey(p: HostPort): string {
  const s = sanitize(p.protocol, p.hostIP, p.port);
  return `${s.protocol}/${s.hostIP}/${s.port}`;
}

function parseKey(key: string): HostPort | undefined {
  const first = key.indexOf("/");
  const last = key.lastIndexOf("/");
  if (first < 0 || last === first) return undefined;
  return sanitize(key.slice(0, first), key.slice(first + 1, last), Number(key.slice(last + 1)));
}

/** The pod's host ports (containers with hostPort > 0), sanitised. */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if ((p.hostPort ?? 0) > 0) out.push(sanitize(p.protocol, p.hostIP, p.hostPort ?? 0));
    }
  }
  return out;
}

/** A wildcard address conflicts with any address on the same protocol/port, and vice versa. */
export function conflicts(want: HostPort, used: ReadonlySet<string>): boolean {
  if (used.size === 0) return false;
  for (const key of used) {
    const u = parseKey(key);
    if (u === undefined || u.port !== want.port || u.protocol !== want.protocol) continue;
    if (want.hostIP === BIND_ALL || u.hostIP === BIND_ALL || u.hostIP === want.hostIP) return true;
  }
  return false;
}

export function create() {
  return {
    name: NAME,
    sign: (pod: Pod) => JSON.stringify(podHostPorts(pod)),
    filter(state: CycleState, pod: Pod, node: NodeInfo) {
      const wanted = cached(state, PORTS_KEY, pod, podHostPorts);
      for (const p of wanted) if (conflicts(p, node.usedPorts)) return unschedulable(ERR_REASON);
      return SUCCESS;
    },
  } satisfies FilterPlugin;
}
