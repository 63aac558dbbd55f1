/**
 * The controller work queue, after client-go's `util/workqueue`: event
 * handlers add `namespace/name` keys; workers take one key at a time,
 * reconcile it and retry failures with back-off. A key is handed to one
 * worker at a time, and a change that arrives while it is being reconciled
 * brings it back once the worker is done.
 *
 * @example
 * import { RateLimitingWorkQueue } from "@ktl/workqueue";
 *
 * const queue = new RateLimitingWorkQueue({ name: "deployment" });
 * informer.onChange((obj) => queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`));
 * signal.addEventListener("abort", () => queue.shutDown());
 *
 * async function worker(): Promise<void> {
 *   for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
 *     try {
 *       const { requeueAfterMs } = await reconcile(key, signal);
 *       queue.forget(key);
 *       if (requeueAfterMs !== undefined) queue.addAfter(key, requeueAfterMs);
 *     } catch {
 *       queue.addRateLimited(key);
 *     } finally {
 *       queue.done(key);
 *     }
 *   }
 * }
 * await Promise.all([worker(), worker()]);
 * console.log(queue.metrics.snapshot().workDuration.p99Ms);
 */
export * from "./clock.js";
export * from "./fake-clock.js";
export * from "./metrics.js";
export * from "./queue.js";
export * from "./delaying-queue.js";
export * from "./rate-limiters.js";
export * from "./rate-limiting-queue.js";
export * from "./prometheus.js";
