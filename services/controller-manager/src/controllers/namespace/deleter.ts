import { RESOURCES, type ResourceInfo } from "@ktl/api";
import { isConflict, isNotFound } from "@ktl/apimachinery";
import type { ApiObject, Client } from "@ktl/client";

/** What is left in a namespace after one pass of deletes. */
export interface ContentEstimate {
  /** Objects still there, by group-resource ("pods", "deployments.apps"). */
  readonly remaining: ReadonlyMap<string, number>;
  /** Finalizers on the objects still there, with how many objects carry each. */
  readonly finalizers: ReadonlyMap<string, number>;
  /** One message per list or delete that failed. */
  readonly failures: readonly string[];
}

/** Every kind that lives in a namespace and is stored in etcd: what a namespace's deletion deletes. */
export function namespacedResources(): ResourceInfo[] {
  return RESOURCES.filter(
    (r) => r.namespaced && r.storage === "etcd" && r.verbs.includes("list") && r.verbs.includes("delete"),
  );
}

export function groupResource(info: ResourceInfo): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

const PAGE = 500;
const CONCURRENCY = 16;

/**
 * Deletes everything in a namespace (Kubernetes' namespacedResourcesDeleter),
 * kind by kind from live lists — not caches, because "the namespace is empty"
 * must be true of the apiserver before the namespace may go.
 *
 * Objects are deleted with propagationPolicy Background and their uid as a
 * precondition. Pods get a grace period of 0: no kubelet exists yet to confirm
 * a graceful termination, so a bound pod would otherwise linger for its whole
 * grace period. (Kubernetes deletes with the default grace and lets kubelets
 * finish; this is the one deliberate difference, to revisit with the kubelet.)
 * Objects already being deleted are left to their finalizers, except pods,
 * whose remaining grace period is cut to 0 in the same way.
 */
export class ContentDeleter {
  constructor(
    private readonly client: Client,
    private readonly resources: readonly ResourceInfo[] = namespacedResources(),
  ) {}

  async deleteAll(namespace: string): Promise<ContentEstimate> {
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    const failures: string[] = [];
    const stays = (info: ResourceInfo, obj: ApiObject): void => {
      bump(remaining, groupResource(info));
      for (const f of obj.metadata?.finalizers ?? []) bump(finalizers, f);
    };
    // Kinds one after another, objects of a kind in parallel: the apiserver sees at most CONCURRENCY deletes.
    for (const info of this.resources) {
      let items: ApiObject[];
      try {
        items = await this.listAll(info, namespace);
      } catch (err) {
        failures.push(`listing ${groupResource(info)}: ${errorText(err)}`);
        continue;
      }
      await forEachLimit(items, CONCURRENCY, async (obj) => {
        const meta = obj.metadata ?? {};
        const isPod = info.kind === "Pod";
        if (meta.deletionTimestamp && !isPod) {
          stays(info, obj);
          return;
        }
        try {
          const after = await this.client.delete(info, namespace, meta.name ?? "", {
            propagationPolicy: "Background",
            preconditions: { uid: meta.uid },
            ...(isPod ? { gracePeriodSeconds: 0 } : {}),
          });
          // Marked rather than removed: it waits for finalizers (or a grace period).
          if (after.metadata?.deletionTimestamp) stays(info, after);
        } catch (err) {
          if (isNotFound(err)) return;
          // Another object under this name (created before the namespace started terminating): next pass.
          if (isConflict(err)) bump(remaining, groupResource(info));
          else failures.push(`deleting ${groupResource(info)} ${meta.name ?? ""}: ${errorText(err)}`);
        }
      });
    }
    return { remaining, finalizers, failures };
  }

  private async listAll(info: ResourceInfo, namespace: string): Promise<ApiObject[]> {
    const items: ApiObject[] = [];
    let continueToken: string | undefined;
    do {
      const page = await this.client.list<ApiObject>(info, namespace, {
        limit: PAGE,
        continue: continueToken,
      });
      items.push(...page.items);
      continueToken = page.metadata.continue || undefined;
    } while (continueToken);
    return items;
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `fn` over `items` with at most `limit` calls in flight; rejections are `fn`'s to handle. */
async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
