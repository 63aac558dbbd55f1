import { findResource, type Pod, type PodStatus, type ResourceInfo } from "@ktl/api";
import { isConflict, isNotFound, semanticEqual } from "@ktl/apimachinery";
import type { ApiClient } from "@ktl/client";
import type { PodRecord } from "./pod-record.js";

const PODS = findResource("", "pods") as ResourceInfo;

/**
 * Writes pod statuses through the status subresource (the kubelet's status
 * manager): only when the status differs semantically from both the last
 * one written and the API's, unconditionally (the kubelet owns pod status)
 * but guarded by the pod's uid, so a pod deleted and re-created under the
 * same name is never given the old one's status.
 */
export class StatusWriter {
  /** Status writes made (skipped no-ops are not counted), for metrics and tests. */
  writes = 0;

  constructor(private readonly client: Pick<ApiClient, "updateStatus">) {}

  /** Returns false when the pod is gone (or replaced) in the API. */
  async write(record: PodRecord, pod: Pod, status: PodStatus): Promise<boolean> {
    record.status = status;
    if (semanticEqual(status, record.written) || semanticEqual(status, pod.status)) {
      record.written = status;
      return true;
    }
    const meta = pod.metadata ?? {};
    try {
      await this.client.updateStatus<Pod>(PODS, {
        metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid },
        status,
      });
      this.writes++;
      record.written = status;
      return true;
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return false;
      throw err;
    }
  }
}
