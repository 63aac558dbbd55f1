import type { ObjectReference, Pod } from "@ktl/api";
import { KINDS, referenceTo, type EventRecorder } from "@ktl/events";

/** What the pod lifecycle needs of an EventRecorder (tests pass a fake that keeps the calls). */
export type PodEventRecorder = Pick<EventRecorder, "event">;

/** The pod, as an event's involvedObject. */
export function podReference(pod: Pod): ObjectReference {
  return referenceTo(pod, KINDS.Pod);
}

/**
 * One of the pod's containers, as an event's involvedObject: the pod with
 * fieldPath `spec.containers{name}` (or `spec.initContainers{name}`), as
 * the kubelet's container references point.
 */
export function containerReference(pod: Pod, name: string): ObjectReference {
  const init = pod.spec?.initContainers?.some((c) => c.name === name) ?? false;
  return referenceTo(pod, KINDS.Pod, `spec.${init ? "initContainers" : "containers"}{${name}}`);
}
