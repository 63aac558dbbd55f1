import type { ApiClient } from "@ktl/client";
import type { EventRecorder } from "@ktl/events";
import type { InformerFactory } from "@ktl/informers";
import type { Logger } from "@ktl/service";
import type { RateLimitingQueue } from "@ktl/workqueue";
import type { ControllerManagerConfig } from "./config.js";

/** What every controller gets from the manager. */
export interface ControllerContext {
  readonly client: ApiClient;
  /** Shared informers: one per resource and scope, shared between controllers. */
  readonly informers: InformerFactory;
  readonly config: ControllerManagerConfig;
  readonly log: Logger;
  /** Records Events (SuccessfulCreate, ScalingReplicaSet, …); absent in unit tests. */
  readonly recorder?: EventRecorder;
  /**
   * A rate-limited work queue (client-go's default limiter) whose metrics are
   * exported on the controller-manager's /metrics under `name`.
   */
  newQueue(name: string): RateLimitingQueue<string>;
}

/**
 * A controller as the manager runs it. `setup` is called before the informers
 * start: it obtains its informers from the factory and registers handlers
 * (which only enqueue keys). `run` is called once every informer has synced,
 * and runs the workers until `signal` aborts.
 */
export interface Controller {
  readonly name: string;
  /**
   * The `source.component` of its Events; Kubernetes' names, e.g.
   * "replicaset-controller". Defaults to `<name>-controller`.
   */
  readonly eventComponent?: string;
  setup(ctx: ControllerContext): RunnableController;
}

export interface RunnableController {
  run(signal: AbortSignal): Promise<void>;
}
