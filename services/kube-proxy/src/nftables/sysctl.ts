/**
 * route_localnet, scoped to the pod bridges. The host's own connection to a
 * NodePort on its loopback node IP (127.0.1.x) is DNATed to a pod and
 * masqueraded; the pod's reply is un-NATed back to 127.0.0.1 before routing,
 * while it is still "arriving on the bridge", and the kernel drops such a
 * packet as martian unless the bridge has route_localnet=1. Only interfaces
 * named like pod bridges (`ktl*`) get it, never `all` or `default`; the
 * table's input chain drops anything for 127.0.0.0/8 from outside `lo` that
 * is neither a reply nor DNATed by us, so pods cannot use it to reach the
 * host's loopback services (CVE-2020-8558).
 */
import { readFile, readdir, writeFile } from "node:fs/promises";

const NET = "/sys/class/net";
const conf = (iface: string): string => `/proc/sys/net/ipv4/conf/${iface}/route_localnet`;

export class RouteLocalnet {
  /** Interfaces this process switched from 0 to 1. */
  private readonly switched = new Set<string>();

  constructor(private readonly prefix: string) {}

  /** Turns route_localnet on for every interface named `<prefix>*` (new bridges appear with new nodes). */
  async ensure(): Promise<string[]> {
    const changed: string[] = [];
    for (const iface of await readdir(NET).catch(() => [] as string[])) {
      if (!iface.startsWith(this.prefix)) continue;
      try {
        if ((await readFile(conf(iface), "utf8")).trim() === "1") continue;
        await writeFile(conf(iface), "1");
        this.switched.add(iface);
        changed.push(iface);
      } catch {
        // The interface went away between readdir and the write.
      }
    }
    return changed;
  }

  /** Puts back 0 where this process set 1, on interfaces that still exist. */
  async restore(): Promise<void> {
    for (const iface of this.switched) await writeFile(conf(iface), "0").catch(() => undefined);
    this.switched.clear();
  }
}
