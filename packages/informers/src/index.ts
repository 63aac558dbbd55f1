/**
 * Informers: a local, indexed, read-only cache of one resource, kept current
 * by list + watch, that tells event handlers what changed (client-go's
 * tools/cache). Controllers read the cache instead of the apiserver and queue
 * keys from the handlers.
 *
 * - `Reflector` lists (500 per page), watches from the list's
 *   resourceVersion, resumes dropped streams from the last one seen, relists
 *   on 410 and reconnects with jittered exponential back-off.
 * - `IndexedStore` / `Indexer` hold objects by `namespace/name` with indexes
 *   (byNamespace, byOwnerUid, byNodeName, byLabel, and your own).
 * - `SharedInformer` fans changes out to handlers, each behind its own queue;
 *   `InformerFactory` shares one informer per resource and scope.
 *
 * @example
 * import { findResource, type Pod } from "@ktl/api";
 * import { ApiClient } from "@ktl/client";
 * import { InformerFactory, finalState, keyOf } from "@ktl/informers";
 *
 * const factory = new InformerFactory({ client: new ApiClient("127.0.0.1:8081"), resyncMs: 30_000 });
 * const pods = factory.informerFor<Pod>(findResource("", "pods")!);
 * pods.addEventHandler({
 *   onAdd: (pod) => queue.add(keyOf(pod)),
 *   onUpdate: (old, pod) => queue.add(keyOf(pod)),
 *   onDelete: (pod) => queue.add(keyOf(finalState(pod))),
 * });
 * factory.start(signal);
 * if (!(await factory.waitForSync(signal))) return;
 * const onNode = pods.indexer.listByIndex("byNodeName", "node-1");
 */
export * from "./backoff.js";
export * from "./clock.js";
export * from "./factory.js";
export * from "./fake-lister-watcher.js";
export * from "./indexer.js";
export * from "./lister-watcher.js";
export * from "./log.js";
export * from "./reflector.js";
export * from "./shared-informer.js";
export * from "./store.js";
