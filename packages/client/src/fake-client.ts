/* eslint-disable @typescript-eslint/require-await -- async so that failures reject, as the real client's do */
import { randomUUID } from "node:crypto";
import { findResource, type ResourceInfo } from "@ktl/api";
import {
  alreadyExists,
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  conflict,
  kubernetesPatchMeta,
  notFound,
  parseFieldSelector,
  parseLabelSelector,
} from "@ktl/apimachinery";
import type { ApiClient, ApiObject, BindResult, ListOptions, WatchEvent } from "./client.js";

/** The part of ApiClient controllers use; both the real and the fake client satisfy it. */
export type Client = Pick<
  ApiClient,
  | "get"
  | "list"
  | "create"
  | "update"
  | "updateStatus"
  | "patch"
  | "delete"
  | "watch"
  | "bind"
  | "bindStreamed"
>;

export interface RecordedAction {
  readonly verb: "get" | "list" | "create" | "update" | "updateStatus" | "patch" | "delete" | "bind";
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly object?: ApiObject;
  readonly patch?: unknown;
}

type Reactor = (action: RecordedAction) => Error | undefined;

/**
 * An in-memory apiserver for controller unit tests, as client-go's fake
 * clientset: it keeps objects, enforces create-if-absent and resourceVersion
 * preconditions, applies patches, records every action for assertions, and
 * can be told to fail calls. It does not watch: informers in tests use
 * FakeListerWatcher from @ktl/informers.
 */
export class FakeApiClient implements Client {
  readonly actions: RecordedAction[] = [];
  private readonly objects = new Map<string, ApiObject>();
  private readonly reactors: Reactor[] = [];
  private revision = 1;

  /** Puts objects in place without recording actions. */
  seed(info: ResourceInfo, ...objects: ApiObject[]): void {
    for (const obj of objects) this.store(info, structuredClone(obj));
  }

  /** `reactor` sees every action first; returning an Error makes the call fail with it. */
  react(reactor: Reactor): void {
    this.reactors.push(reactor);
  }

  /** Actions other than reads, for asserting what a controller did. */
  writes(): RecordedAction[] {
    return this.actions.filter((a) => a.verb !== "get" && a.verb !== "list");
  }

  stored<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    const obj = this.objects.get(keyOf(info, namespace, name));
    return obj && (structuredClone(obj) as T);
  }

  all<T extends ApiObject>(info: ResourceInfo): T[] {
    const prefix = `${info.group}/${info.resource}/`;
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, o]) => structuredClone(o) as T);
  }

  async get<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
  ): Promise<T> {
    this.record({ verb: "get", resource: info.resource, namespace, name });
    const obj = this.objects.get(keyOf(info, namespace, name));
    if (!obj) throw notFound(info, name);
    return structuredClone(obj) as T;
  }

  async list<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    options: ListOptions = {},
  ) {
    this.record({ verb: "list", resource: info.resource, namespace, name: undefined });
    const labels = parseLabelSelector(options.labelSelector ?? "");
    const fields = parseFieldSelector(options.fieldSelector ?? "");
    const items = this.all<T>(info).filter((obj) => {
      const meta = obj.metadata ?? {};
      if (namespace && meta.namespace !== namespace) return false;
      const spec = (obj as { spec?: { nodeName?: string } }).spec;
      return (
        labels.matches(meta.labels) &&
        fields.matches({
          "metadata.name": meta.name ?? "",
          "metadata.namespace": meta.namespace ?? "",
          "spec.nodeName": spec?.nodeName ?? "",
        })
      );
    });
    return { metadata: { resourceVersion: String(this.revision) }, items };
  }

  async create<T extends ApiObject>(info: ResourceInfo, namespace: string | undefined, obj: T): Promise<T> {
    const copy = structuredClone(obj);
    const meta = (copy.metadata = { ...copy.metadata });
    if (info.namespaced) meta.namespace = namespace ?? meta.namespace;
    if (!meta.name && meta.generateName)
      meta.name = meta.generateName + Math.random().toString(36).slice(2, 7);
    this.record({
      verb: "create",
      resource: info.resource,
      namespace: meta.namespace,
      name: meta.name,
      object: copy,
    });
    if (this.objects.has(keyOf(info, meta.namespace, meta.name ?? "")))
      throw alreadyExists(info, meta.name ?? "");
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    meta.generation = 1;
    return structuredClone(this.store(info, copy)) as T;
  }

  async update<T extends ApiObject>(
    info: ResourceInfo,
    obj: T,
    subresource?: "status" | "finalize",
  ): Promise<T> {
    const meta = obj.metadata ?? {};
    const verb = subresource === "status" ? "updateStatus" : "update";
    this.record({
      verb,
      resource: info.resource,
      namespace: meta.namespace,
      name: meta.name,
      object: structuredClone(obj),
    });
    const current = this.objects.get(keyOf(info, meta.namespace, meta.name ?? ""));
    if (!current) throw notFound(info, meta.name ?? "");
    if (meta.resourceVersion && meta.resourceVersion !== current.metadata?.resourceVersion) {
      throw conflict(
        info,
        meta.name ?? "",
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    }
    const next = structuredClone(obj) as ApiObject & { status?: unknown };
    if (subresource === "status") {
      return structuredClone(
        this.store(info, { ...structuredClone(current), status: next.status } as ApiObject),
      ) as T;
    }
    next.metadata = {
      ...next.metadata,
      uid: current.metadata?.uid,
      creationTimestamp: current.metadata?.creationTimestamp,
    };
    return structuredClone(this.store(info, next)) as T;
  }

  updateStatus<T extends ApiObject>(info: ResourceInfo, obj: T): Promise<T> {
    return this.update(info, obj, "status");
  }

  async patch<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: { patchType?: string; subresource?: string } = {},
  ): Promise<T> {
    this.record({ verb: "patch", resource: info.resource, namespace, name, patch });
    const current = this.objects.get(keyOf(info, namespace, name));
    if (!current) throw notFound(info, name);
    const type = options.patchType ?? "application/merge-patch+json";
    const patched =
      type === "application/json-patch+json"
        ? applyJsonPatch(current, patch)
        : type === "application/strategic-merge-patch+json"
          ? applyStrategicMergePatch(current, patch, kubernetesPatchMeta)
          : applyMergePatch(current, patch);
    return structuredClone(this.store(info, patched as ApiObject)) as T;
  }

  async delete<T extends ApiObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
  ): Promise<T> {
    this.record({ verb: "delete", resource: info.resource, namespace, name });
    const key = keyOf(info, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw notFound(info, name);
    this.objects.delete(key);
    return structuredClone(current) as T;
  }

  /** pods/binding: sets spec.nodeName and PodScheduled=True; 409 when already bound or being deleted. */
  async bind(namespace: string | undefined, name: string, nodeName: string): Promise<BindResult> {
    const info = PODS;
    this.record({
      verb: "bind",
      resource: info.resource,
      namespace,
      name,
      object: {
        kind: "Binding",
        metadata: { namespace, name },
        target: { kind: "Node", name: nodeName },
      } as ApiObject,
    });
    const current: BindablePod | undefined = this.objects.get(keyOf(info, namespace, name));
    if (!current) throw notFound(info, name);
    if (current.metadata?.deletionTimestamp)
      throw conflict(info, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (current.spec?.nodeName)
      throw conflict(info, name, `pod ${name} is already assigned to node "${current.spec.nodeName}"`);
    const next = structuredClone(current);
    next.spec = { ...next.spec, nodeName };
    const conditions = (next.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    conditions.push({ type: "PodScheduled", status: "True" });
    next.status = { ...next.status, conditions };
    return { resourceVersion: this.store(info, next).metadata?.resourceVersion ?? "" };
  }

  /** As bind (recorded as "bind"): streaming is the real client's wire matter. */
  bindStreamed(namespace: string | undefined, name: string, nodeName: string): Promise<BindResult> {
    return this.bind(namespace, name, nodeName);
  }

  // eslint-disable-next-line require-yield
  async *watch<T extends ApiObject>(): AsyncGenerator<WatchEvent<T>> {
    throw new Error("FakeApiClient does not watch; use FakeListerWatcher from @ktl/informers");
  }

  private record(action: RecordedAction): void {
    this.actions.push(action);
    for (const reactor of this.reactors) {
      const err = reactor(action);
      if (err) throw err;
    }
  }

  private store(info: ResourceInfo, obj: ApiObject): ApiObject {
    obj.metadata = { ...obj.metadata, resourceVersion: String(++this.revision) };
    this.objects.set(keyOf(info, obj.metadata.namespace, obj.metadata.name ?? ""), obj);
    return obj;
  }
}

const PODS = findResource("", "pods")!; // eslint-disable-line @typescript-eslint/no-non-null-assertion

type BindablePod = ApiObject & {
  spec?: { nodeName?: string };
  status?: { conditions?: { type: string; status?: string }[] };
};

function keyOf(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${info.group}/${info.resource}/${info.namespaced ? (namespace ?? "") : ""}/${name}`;
}
