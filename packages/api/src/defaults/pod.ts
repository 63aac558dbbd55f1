/**
 * Pod defaults, after pkg/apis/core/v1/defaults.go. PodSpec defaults apply to
 * every pod spec (pods and the templates of Deployments and ReplicaSets);
 * the Pod-only ones (requests from limits, enableServiceLinks, host-network
 * ports) are kept off templates, as Kubernetes does, so that stored
 * templates do not change shape when defaults change.
 */
import type {
  Container,
  HTTPGetAction,
  LifecycleHandler,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Probe,
} from "../gen/types.js";
import { defaultPullPolicy } from "./image.js";

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = "default-scheduler";
export const DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";

export function defaultPod(pod: Pod): void {
  pod.spec ??= {};
  const spec = pod.spec;
  defaultPodSpec(spec);
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    defaultRequestsFromLimits(c);
  }
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork === true) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      defaultHostNetworkPorts(c);
    }
  }
}

export function defaultPodTemplate(template: PodTemplateSpec | undefined): void {
  if (template == null) return;
  template.spec ??= {};
  defaultPodSpec(template.spec);
}

export function defaultPodSpec(spec: PodSpec): void {
  if (!spec.dnsPolicy) spec.dnsPolicy = "ClusterFirst";
  if (!spec.restartPolicy) spec.restartPolicy = "Always";
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (!spec.schedulerName) spec.schedulerName = DEFAULT_SCHEDULER_NAME;
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
}

export function defaultContainer(c: Container): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(c.image);
  if (!c.terminationMessagePath) c.terminationMessagePath = DEFAULT_TERMINATION_MESSAGE_PATH;
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = "File";
  c.resources ??= {};
  for (const p of c.ports ?? []) {
    if (!p.protocol) p.protocol = "TCP";
  }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.fieldRef;
    if (ref && !ref.apiVersion) ref.apiVersion = "v1";
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
}

function defaultProbe(probe: Probe | undefined): void {
  if (probe == null) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  defaultHTTPGet(probe.httpGet);
}

function defaultHandler(handler: LifecycleHandler | undefined): void {
  if (handler == null) return;
  defaultHTTPGet(handler.httpGet);
}

function defaultHTTPGet(action: HTTPGetAction | undefined): void {
  if (action == null) return;
  if (!action.path) action.path = "/";
  if (!action.scheme) action.scheme = "HTTP";
}

/** A container with limits but no request for a resource requests exactly its limit. */
function defaultRequestsFromLimits(c: Container): void {
  const limits = c.resources?.limits;
  if (limits == null) return;
  c.resources ??= {};
  const requests = (c.resources.requests ??= {});
  for (const [name, value] of Object.entries(limits)) {
    if (!(name in requests)) requests[name] = value;
  }
}

/** With hostNetwork the container binds the node's port, so hostPort mirrors containerPort. */
function defaultHostNetworkPorts(c: Container): void {
  for (const p of c.ports ?? []) {
    if (!p.hostPort) p.hostPort = p.containerPort;
  }
}
