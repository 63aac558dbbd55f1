/**
 * The controller framework shared by the controller-manager and the
 * scheduler. For now: leader election.
 *
 * Mechanism: a coordination.k8s.io/v1 Lease read and written through the
 * apiserver, as Kubernetes' own kube-controller-manager and kube-scheduler
 * do (client-go's LeaseLock), not an etcd lease or election. Why:
 * - Only the apiserver talks to etcd. That is a rule of this architecture:
 *   etcd stays reachable by the control plane alone, storage keeps one
 *   owner (keys, encoding, the watch cache that sees every revision), and
 *   every write passes the same registry (validation, admission, later
 *   RBAC). Giving the controller-manager and scheduler etcd credentials for
 *   one lock would break all three.
 * - The Lease is an ordinary API object: `kubectl get leases -n kube-system`
 *   shows who leads, and real Kubernetes tooling understands it.
 * - Nothing is lost: the apiserver's create-if-absent and
 *   resourceVersion-checked update are etcd transactions underneath, so two
 *   candidates can never both win the same write.
 * The cost is a read or write per retry period per candidate, which is
 * negligible next to a controller's watches.
 *
 * @example
 * import { ApiClient } from "@ktl/client";
 * import { LeaderElector } from "@ktl/controller";
 * let stopping = false;
 * const elector = new LeaderElector({
 *   client: new ApiClient("127.0.0.1:8081"),
 *   name: "kube-controller-manager",
 *   onStartedLeading: (signal) => runControllers(signal), // until signal aborts
 * });
 * process.once("SIGTERM", () => {
 *   stopping = true;
 *   void elector.release().finally(() => process.exit(0)); // the successor starts at once
 * });
 * await elector.run(); // returns when leadership ends
 * if (!stopping) process.exit(1); // lost the Lease: restart as a fresh candidate
 */
export * from "./leader-election.js";
export * from "./reconciler.js";
export * from "./worker.js";
export * from "./expectations.js";
export * from "./claim.js";
export * from "./run-elected.js";
export * from "./elected-flags.js";
