import type { Controller } from "../controller.js";
import { deploymentController } from "./deployment/controller.js";
import { endpointsController } from "./endpoints/controller.js";
import { garbageCollectorController } from "./garbage-collector/controller.js";
import { namespaceController } from "./namespace/controller.js";
import { nodeIpamController } from "./node-ipam/controller.js";
import { nodeLifecycleController } from "./node-lifecycle/controller.js";
import { replicaSetController } from "./replicaset/controller.js";

/** Every controller this manager can run, by name (`--controllers` picks among them). */
export const CONTROLLERS: readonly Controller[] = [
  replicaSetController,
  deploymentController,
  garbageCollectorController,
  namespaceController,
  nodeIpamController,
  nodeLifecycleController,
  endpointsController,
];
