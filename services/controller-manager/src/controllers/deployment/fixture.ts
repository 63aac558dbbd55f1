/**
 * The unit tests' fixture, as sample-controller's: a recording fake
 * apiserver, caches seeded by hand, direct reconcile calls, and a clock the
 * test sets. `settle()` plays the informers catching up (the caches take
 * what the fake apiserver holds) and `runReplicaSets()` plays the
 * ReplicaSet controller in a few lines. Kept out of `*.test.ts` so several
 * test files can share it; like `FakeApiClient`, it depends on no test
 * framework.
 */
import type { Deployment, Pod, PodTemplateSpec, ReplicaSet } from "@ktl/api";
import { FakeApiClient, type RecordedAction } from "@ktl/client";
import { IndexedStore } from "@ktl/informers";
import { DEPLOYMENTS, PODS, REPLICA_SETS } from "./control.js";
import { DeploymentReconciler } from "./controller.js";
import {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
} from "./util/annotations.js";
import { computeHash } from "./util/hash.js";
import { POD_TEMPLATE_HASH_LABEL } from "./util/replica-sets.js";

export const NOW = Date.parse("2024-05-01T12:00:00Z");
export const D_UID = "d-uid";
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** RFC 3339, second precision, `seconds` before NOW. */
export const ago = (seconds: number): string =>
  new Date(NOW - seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");

/** The Deployment's pod template for `image`. */
export function template(image: string): PodTemplateSpec {
  return { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image }] } };
}

export const hashOf = (image: string): string => computeHash(template(image));

export interface RSOptions {
  readonly image: string;
  readonly replicas: number;
  /** status.replicas; defaults to `replicas`. */
  readonly current?: number;
  /** status.availableReplicas (and readyReplicas); defaults to `current`. */
  readonly available?: number;
  readonly revision?: number;
  /** Seconds since creation; older ReplicaSets are scaled down first. */
  readonly age?: number;
  /** Owner uid; null for an orphan. */
  readonly owner?: string | null;
  /** The Deployment size (and maximum) it was sized for, as annotations. */
  readonly sizedFor?: { readonly desired: number; readonly max: number };
  readonly annotations?: Record<string, string>;
  readonly generation?: number;
  readonly observedGeneration?: number;
}

export class Fixture {
  readonly client = new FakeApiClient();
  readonly deployments = new IndexedStore<Deployment>();
  readonly replicaSets = new IndexedStore<ReplicaSet>();
  readonly pods = new IndexedStore<Pod>();
  nowMs = NOW;
  readonly reconciler = new DeploymentReconciler({
    client: this.client,
    deployments: this.deployments,
    replicaSets: this.replicaSets,
    pods: this.pods,
    log: silent,
    now: () => this.nowMs,
  });

  /** A Deployment "ns/web" (defaults applied as the apiserver would), in the fake apiserver and the cache. */
  deployment(
    spec: Deployment["spec"] = {},
    meta: Deployment["metadata"] = {},
    status?: Deployment["status"],
  ): Deployment {
    const d: Deployment = {
      metadata: { name: "web", namespace: "ns", uid: D_UID, generation: 1, ...meta },
      spec: {
        replicas: 5,
        selector: { matchLabels: { app: "web" } },
        template: template("a"),
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        ...spec,
      },
      status: status ?? {},
    };
    return this.seed<Deployment>(DEPLOYMENTS, this.deployments, d);
  }

  /** A ReplicaSet `web-<hash of image>` for the Deployment, in the fake apiserver and the cache. */
  replicaSet(options: RSOptions): ReplicaSet {
    const hash = hashOf(options.image);
    const labels = { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash };
    const annotations: Record<string, string> = { ...options.annotations };
    if (options.revision !== undefined) annotations[REVISION_ANNOTATION] = String(options.revision);
    if (options.sizedFor) {
      annotations[DESIRED_REPLICAS_ANNOTATION] = String(options.sizedFor.desired);
      annotations[MAX_REPLICAS_ANNOTATION] = String(options.sizedFor.max);
    }
    const current = options.current ?? options.replicas;
    const available = options.available ?? current;
    const rs: ReplicaSet = {
      metadata: {
        name: `web-${hash}`,
        namespace: "ns",
        uid: `rs-${options.image}`,
        generation: options.generation ?? 1,
        labels,
        annotations,
        creationTimestamp: ago(options.age ?? 100),
        ...(options.owner === null
          ? {}
          : {
              ownerReferences: [
                {
                  apiVersion: "apps/v1",
                  kind: "Deployment",
                  name: "web",
                  uid: options.owner ?? D_UID,
                  controller: true,
                  blockOwnerDeletion: true,
                },
              ],
            }),
      },
      spec: {
        replicas: options.replicas,
        minReadySeconds: 0,
        selector: { matchLabels: labels },
        template: { ...template(options.image), metadata: { labels } },
      },
      status: {
        replicas: current,
        readyReplicas: available,
        availableReplicas: available,
        observedGeneration: options.observedGeneration ?? options.generation ?? 1,
      },
    };
    return this.seed<ReplicaSet>(REPLICA_SETS, this.replicaSets, rs);
  }

  /** A pod of the ReplicaSet for `image` (a terminating one with `deleting`). */
  pod(name: string, image: string, options: { deleting?: boolean; phase?: string } = {}): Pod {
    const hash = hashOf(image);
    const pod: Pod = {
      metadata: {
        name,
        namespace: "ns",
        uid: `uid-${name}`,
        labels: { app: "web", [POD_TEMPLATE_HASH_LABEL]: hash },
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: `web-${hash}`,
            uid: `rs-${image}`,
            controller: true,
          },
        ],
        ...(options.deleting ? { deletionTimestamp: ago(0) } : {}),
      },
      spec: { containers: [{ name: "c", image }] },
      status: { phase: options.phase ?? "Running" },
    };
    return this.seed<Pod>(PODS, this.pods, pod);
  }

  private seed<T extends Deployment | ReplicaSet | Pod>(
    info: typeof DEPLOYMENTS,
    store: IndexedStore<T>,
    obj: T,
  ): T {
    this.client.seed(info, obj);
    const stored = this.client.stored<T>(info, obj.metadata?.namespace, obj.metadata?.name ?? "");
    if (!stored) throw new Error("not seeded");
    store.add(stored);
    return stored;
  }

  reconcile(key = "ns/web"): Promise<unknown> {
    return this.reconciler.reconcile(key);
  }

  /** The informers catch up: every cache takes what the fake apiserver holds. */
  settle(): void {
    this.deployments.replace(this.client.all<Deployment>(DEPLOYMENTS), "");
    this.replicaSets.replace(this.client.all<ReplicaSet>(REPLICA_SETS), "");
    this.pods.replace(this.client.all<Pod>(PODS), "");
  }

  /**
   * Plays the ReplicaSet controller, then settles: each ReplicaSet's pods
   * match its replicas; pods that existed before stay available, new ones
   * become available only when `ready` says so.
   */
  runReplicaSets(ready: (rs: ReplicaSet) => boolean = () => true): void {
    for (const rs of this.client.all<ReplicaSet>(REPLICA_SETS)) {
      const replicas = rs.spec?.replicas ?? 1;
      const before = rs.status?.availableReplicas ?? 0;
      const available = ready(rs) ? replicas : Math.min(before, replicas);
      rs.status = {
        ...rs.status,
        replicas,
        readyReplicas: available,
        availableReplicas: available,
        observedGeneration: rs.metadata?.generation ?? 1,
      };
      this.client.seed(REPLICA_SETS, rs);
    }
    this.settle();
  }

  writes(verb?: RecordedAction["verb"], resource?: string): RecordedAction[] {
    return this.client
      .writes()
      .filter(
        (a) => (verb === undefined || a.verb === verb) && (resource === undefined || a.resource === resource),
      );
  }

  /** The replicas each ReplicaSet update set, in order: `name=replicas`. */
  scalings(): string[] {
    return this.writes("update", "replicasets").map(
      (a) => `${a.name}=${objectOf<ReplicaSet>(a)?.spec?.replicas}`,
    );
  }

  stored(name: string): ReplicaSet | undefined {
    return this.client.stored<ReplicaSet>(REPLICA_SETS, "ns", name);
  }

  storedDeployment(): Deployment | undefined {
    return this.client.stored<Deployment>(DEPLOYMENTS, "ns", "web");
  }

  /** What the last status write said. */
  lastStatus(): Deployment["status"] {
    const last = this.writes("updateStatus").at(-1);
    return last && objectOf<Deployment>(last)?.status;
  }

  clearActions(): void {
    this.client.actions.length = 0;
  }
}

/** The object a recorded write sent. */
export function objectOf<T>(action: RecordedAction): T | undefined {
  const obj: unknown = action.object;
  return obj as T | undefined;
}
