import type { RuntimeService } from "@ktl/cri";
import type { Logger } from "@ktl/service";
import { CONTAINER_NAME_LABEL, NODE_NAME_LABEL, podIdentityOf, type PodIdentity } from "./labels.js";

/** A container as the last relist saw it. */
export interface RelistedContainer {
  readonly id: string;
  readonly name: string;
  /** The CRI state, e.g. "CONTAINER_RUNNING". */
  readonly state: string;
}

/** A pod as the last relist saw it in the runtime. */
export interface RelistedPod extends PodIdentity {
  readonly sandboxes: readonly { readonly id: string; readonly ready: boolean }[];
  readonly containers: readonly RelistedContainer[];
}

export interface PlegOptions {
  readonly runtime: RuntimeService;
  /** Only sandboxes and containers labelled with this node are considered. */
  readonly nodeName: string;
  /** Time between relists (the kubelet's is 1 s). */
  readonly periodMs: number;
  /** Called with the pod (uid) of every sandbox or container that appeared, changed state or disappeared. */
  readonly onPodChange: (pod: PodIdentity) => void;
  readonly log: Logger;
}

/**
 * The pod lifecycle event generator (the kubelet's GenericPLEG): every
 * period it lists all sandboxes and containers, compares their states with
 * the previous list and reports each pod where something changed. The first
 * relist reports every pod found in the runtime, which is how the pod
 * manager adopts what ran before it started. Only objects carrying the
 * kubelet's pod labels and its node's name are considered.
 */
export class Pleg {
  private states = new Map<string, string>();
  private pods = new Map<string, RelistedPod>();
  private healthy = true;
  private readonly selector: Record<string, string>;

  constructor(private readonly options: PlegOptions) {
    this.selector = { [NODE_NAME_LABEL]: options.nodeName };
  }

  /** The pods the last relist found, by uid. */
  snapshot(): ReadonlyMap<string, RelistedPod> {
    return this.pods;
  }

  /** Lists the runtime once and reports changes. Throws when the runtime cannot be listed. */
  async relist(signal?: AbortSignal): Promise<void> {
    const [{ items = [] }, { containers = [] }] = await Promise.all([
      this.options.runtime.listPodSandbox({ filter: { labelSelector: this.selector } }, { signal }),
      this.options.runtime.listContainers({ filter: { labelSelector: this.selector } }, { signal }),
    ]);
    const states = new Map<string, string>();
    const pods = new Map<
      string,
      RelistedPod & { sandboxes: { id: string; ready: boolean }[]; containers: RelistedContainer[] }
    >();
    const entry = (identity: PodIdentity) => {
      let p = pods.get(identity.uid);
      if (!p) {
        p = { ...identity, sandboxes: [], containers: [] };
        pods.set(identity.uid, p);
      }
      return p;
    };
    for (const s of items) {
      const identity = podIdentityOf(s.labels);
      if (!identity || !s.id) continue;
      states.set(s.id, `${identity.uid} ${s.state ?? ""}`);
      entry(identity).sandboxes.push({ id: s.id, ready: s.state === "SANDBOX_READY" });
    }
    for (const c of containers) {
      const identity = podIdentityOf(c.labels);
      if (!identity || !c.id) continue;
      states.set(c.id, `${identity.uid} ${c.state ?? ""}`);
      const name = c.labels?.[CONTAINER_NAME_LABEL] ?? c.metadata?.name ?? "";
      entry(identity).containers.push({ id: c.id, name, state: c.state ?? "" });
    }

    const changed = new Map<string, PodIdentity>();
    for (const [id, state] of states) {
      if (this.states.get(id) === state) continue;
      const uid = state.slice(0, state.indexOf(" "));
      const p = pods.get(uid);
      if (p) changed.set(uid, p);
    }
    for (const [id, state] of this.states) {
      if (states.has(id)) continue;
      const uid = state.slice(0, state.indexOf(" "));
      const p = pods.get(uid) ?? this.pods.get(uid);
      if (p) changed.set(uid, p);
    }
    this.states = states;
    this.pods = pods;
    for (const p of changed.values())
      this.options.onPodChange({ uid: p.uid, name: p.name, namespace: p.namespace });
  }

  /** Relists every period until `signal` aborts; failures are logged and retried next period. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.relist(signal);
        if (!this.healthy) this.options.log.info("container runtime can be listed again");
        this.healthy = true;
      } catch (err) {
        if (signal.aborted) return;
        if (this.healthy)
          this.options.log.warn("relisting the container runtime failed", { err: (err as Error).message });
        this.healthy = false;
      }
      await sleep(this.options.periodMs, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener("abort", done, { once: true });
  });
}
