/**
 * Describers for Pods, Deployments and ReplicaSets, laid out line for line
 * as kubectl's describe.go does.
 */
import type { Container, Deployment, Pod, ReplicaSet } from "@ktl/api";
import type { Context } from "../cli/context.js";
import { age } from "../printers/age.js";
import {
  annotationsMultiline,
  controlledBy,
  controllerOf,
  describeContainers,
  describeEvents,
  describePodTemplate,
  describeVolumes,
  formatSelector,
  labelsMultiline,
  selectorQuery,
  tolerationsMultiline,
} from "./common.js";
import { controlledReplicaSets, templatesEqualIgnoringHash } from "./revisions.js";
import { DescribeWriter, rfc1123z } from "./writer.js";

function hasResources(c: Container): boolean {
  return Object.keys(c.resources?.requests ?? {}).length + Object.keys(c.resources?.limits ?? {}).length > 0;
}

/** The pod's QoS class, computed as Kubernetes does when the status does not say. */
function qosClass(pod: Pod): string {
  const status = pod.status;
  if (status?.qosClass) return status.qosClass;
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  if (!containers.some(hasResources)) return "BestEffort";
  const guaranteed = containers.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = c.resources?.requests ?? {};
    return ["cpu", "memory"].every((k) => l[k] !== undefined && (r[k] === undefined || r[k] === l[k]));
  });
  return guaranteed ? "Guaranteed" : "Burstable";
}

export async function describePod(ctx: Context, pod: Pod): Promise<string> {
  const w = new DescribeWriter();
  const meta = pod.metadata ?? {};
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  w.write(0, `Name:\t${meta.name ?? ""}\n`);
  w.write(0, `Namespace:\t${meta.namespace ?? ""}\n`);
  if (spec.priority !== undefined) w.write(0, `Priority:\t${spec.priority}\n`);
  if (spec.priorityClassName) w.write(0, `Priority Class Name:\t${spec.priorityClassName}\n`);
  if (spec.serviceAccountName) w.write(0, `Service Account:\t${spec.serviceAccountName}\n`);
  w.write(0, spec.nodeName ? `Node:\t${spec.nodeName}/${status.hostIP ?? ""}\n` : "Node:\t<none>\n");
  if (status.startTime) w.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
  labelsMultiline(w, "Labels", meta.labels);
  annotationsMultiline(w, "Annotations", meta.annotations);
  if (meta.deletionTimestamp && status.phase !== "Failed" && status.phase !== "Succeeded") {
    w.write(0, `Status:\tTerminating (lasts ${age(meta.deletionTimestamp)})\n`);
    w.write(0, `Termination Grace Period:\t${meta.deletionGracePeriodSeconds ?? 0}s\n`);
  } else w.write(0, `Status:\t${status.phase ?? ""}\n`);
  if (status.reason) w.write(0, `Reason:\t${status.reason}\n`);
  if (status.message) w.write(0, `Message:\t${status.message}\n`);
  w.write(0, `IP:\t${status.podIP ?? ""}\n`);
  const ips = status.podIPs ?? [];
  if (ips.length === 0) w.write(0, "IPs:\t<none>\n");
  else {
    w.write(0, "IPs:\n");
    for (const ip of ips) w.write(1, `IP:\t${ip.ip ?? ""}\n`);
  }
  const controller = controllerOf(pod);
  if (controller) w.write(0, `Controlled By:\t${controller}\n`);
  if (status.nominatedNodeName) w.write(0, `NominatedNodeName:\t${status.nominatedNodeName}\n`);
  if ((spec.initContainers ?? []).length > 0)
    describeContainers(w, "Init Containers", spec.initContainers, status.initContainerStatuses, "");
  describeContainers(w, "Containers", spec.containers, status.containerStatuses, "");
  const conditions = status.conditions ?? [];
  if (conditions.length > 0) {
    w.write(0, "Conditions:\n  Type\tStatus\n");
    for (const c of conditions) w.write(1, `${c.type ?? ""} \t${c.status ?? ""} \n`);
  }
  describeVolumes(w, spec.volumes, "");
  w.write(0, `QoS Class:\t${qosClass(pod)}\n`);
  labelsMultiline(w, "Node-Selectors", spec.nodeSelector);
  tolerationsMultiline(w, "Tolerations", spec.tolerations);
  await describeEvents(ctx, w, pod, meta.namespace);
  return w.toString();
}

function replicaSetsByLabels(sets: readonly ReplicaSet[]): string {
  if (sets.length === 0) return "<none>";
  return sets
    .map(
      (rs) =>
        `${rs.metadata?.name ?? ""} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`,
    )
    .join(", ");
}

export async function describeDeployment(ctx: Context, d: Deployment): Promise<string> {
  const w = new DescribeWriter();
  const meta = d.metadata ?? {};
  const spec = d.spec ?? {};
  const status = d.status ?? {};
  w.write(0, `Name:\t${meta.name ?? ""}\n`);
  w.write(0, `Namespace:\t${meta.namespace ?? ""}\n`);
  w.write(0, `CreationTimestamp:\t${rfc1123z(meta.creationTimestamp)}\n`);
  labelsMultiline(w, "Labels", meta.labels);
  annotationsMultiline(w, "Annotations", meta.annotations);
  w.write(0, `Selector:\t${formatSelector(spec.selector)}\n`);
  w.write(
    0,
    `Replicas:\t${spec.replicas ?? 1} desired | ${status.updatedReplicas ?? 0} updated | ${status.replicas ?? 0} total | ${status.availableReplicas ?? 0} available | ${status.unavailableReplicas ?? 0} unavailable\n`,
  );
  w.write(0, `StrategyType:\t${spec.strategy?.type ?? ""}\n`);
  w.write(0, `MinReadySeconds:\t${spec.minReadySeconds ?? 0}\n`);
  const ru = spec.strategy?.rollingUpdate;
  if (ru)
    w.write(
      0,
      `RollingUpdateStrategy:\t${ru.maxUnavailable ?? 0} max unavailable, ${ru.maxSurge ?? 0} max surge\n`,
    );
  describePodTemplate(w, spec.template);
  const conditions = status.conditions ?? [];
  if (conditions.length > 0) {
    w.write(0, "Conditions:\n  Type\tStatus\tReason\n");
    w.write(1, "----\t------\t------\n");
    for (const c of conditions) w.write(1, `${c.type ?? ""} \t${c.status ?? ""}\t${c.reason ?? ""}\n`);
  }
  const byAge = [...(await controlledReplicaSets(ctx, d))].sort((a, b) =>
    (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? ""),
  );
  const newRS = byAge.find((rs) => templatesEqualIgnoringHash(rs.spec?.template, spec.template));
  w.write(0, `OldReplicaSets:\t${replicaSetsByLabels(byAge.filter((rs) => rs !== newRS))}\n`);
  w.write(0, `NewReplicaSet:\t${replicaSetsByLabels(newRS ? [newRS] : [])}\n`);
  await describeEvents(ctx, w, d, meta.namespace);
  return w.toString();
}

export async function describeReplicaSet(ctx: Context, rs: ReplicaSet): Promise<string> {
  const w = new DescribeWriter();
  const meta = rs.metadata ?? {};
  const spec = rs.spec ?? {};
  const pods = await ctx
    .client()
    .request<{ items?: Pod[] }>("GET", `/api/v1/namespaces/${meta.namespace ?? ""}/pods`, {
      query: { labelSelector: selectorQuery(spec.selector) },
    });
  const owned = (pods.items ?? []).filter((p) => controlledBy(p, meta.uid));
  const count = (phase: string): number => owned.filter((p) => p.status?.phase === phase).length;
  w.write(0, `Name:\t${meta.name ?? ""}\n`);
  w.write(0, `Namespace:\t${meta.namespace ?? ""}\n`);
  w.write(0, `Selector:\t${formatSelector(spec.selector)}\n`);
  labelsMultiline(w, "Labels", meta.labels);
  annotationsMultiline(w, "Annotations", meta.annotations);
  const controller = controllerOf(rs);
  if (controller) w.write(0, `Controlled By:\t${controller}\n`);
  w.write(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${spec.replicas ?? 1} desired\n`);
  w.write(
    0,
    `Pods Status:\t${count("Running")} Running / ${count("Pending")} Waiting / ${count("Succeeded")} Succeeded / ${count("Failed")} Failed\n`,
  );
  describePodTemplate(w, spec.template);
  const conditions = rs.status?.conditions ?? [];
  if (conditions.length > 0) {
    w.write(0, "Conditions:\n  Type\tStatus\tReason\n");
    w.write(1, "----\t------\t------\n");
    for (const c of conditions) w.write(1, `${c.type ?? ""} \t${c.status ?? ""}\t${c.reason ?? ""}\n`);
  }
  await describeEvents(ctx, w, rs, meta.namespace);
  return w.toString();
}
