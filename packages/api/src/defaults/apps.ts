/** Deployment and ReplicaSet defaults, after pkg/apis/apps/v1/defaults.go. */
import type { Deployment, ReplicaSet } from "../gen/types.js";
import { defaultPodTemplate } from "./pod.js";

export function defaultDeployment(d: Deployment): void {
  d.spec ??= {};
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  const strategy = spec.strategy;
  if (!strategy.type) strategy.type = "RollingUpdate";
  // Only a rolling update has knobs; Recreate must not carry rollingUpdate (validation rejects it).
  if (strategy.type === "RollingUpdate") {
    strategy.rollingUpdate ??= {};
    strategy.rollingUpdate.maxUnavailable ??= "25%";
    strategy.rollingUpdate.maxSurge ??= "25%";
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(rs: ReplicaSet): void {
  rs.spec ??= {};
  rs.spec.replicas ??= 1;
  defaultPodTemplate(rs.spec.template);
}
