import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import {
  applyDefaults,
  checkShape,
  validateCreate,
  validateStatusUpdate,
  validateUpdate,
  type ResourceInfo,
} from "@ktl/api";
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  isAlreadyExists,
  isConflict,
  notFound,
  type FieldError,
} from "@ktl/apimachinery";
import type { Cacher } from "../storage/cacher.js";
import { metaOf, nowTimestamp, type KubeObject } from "../storage/object.js";
import type { Store, Versioned } from "../storage/store.js";
import { NamespaceLifecycle } from "./namespaces.js";
import { strategyFor } from "./strategy.js";
import { plainWriter, type ObjectWriter } from "./writer.js";

export interface WriteOptions {
  /** "All": validate and admit, but do not persist. */
  readonly dryRun?: boolean;
  /** Strict: unknown fields are refused (kubectl's default); otherwise dropped. */
  readonly fieldValidation?: "Strict" | "Warn" | "Ignore";
}

export interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { uid?: string; resourceVersion?: string };
  readonly propagationPolicy?: "Orphan" | "Background" | "Foreground";
  readonly orphanDependents?: boolean;
  readonly dryRun?: boolean;
}

export interface DeleteResult {
  readonly obj: KubeObject;
  /** False when the object remains, marked for deletion (finalizers, grace period). */
  readonly deleted: boolean;
}

/** Characters Kubernetes uses for generateName suffixes (no vowels, no look-alikes). */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const CONFLICT_RETRIES = 8;
/** Fields a client may leave in an object it sends back that we do not track. */
const IGNORED_FIELDS = new Set(["metadata.managedFields", "status"]);

/**
 * The one write path for every front door (REST and gRPC): decoding checks,
 * defaulting, validation, admission and storage, as Kubernetes' generic
 * registry store does. Reads go to the watch cache or etcd (see reads.ts).
 */
export class Registry {
  readonly namespaces: NamespaceLifecycle;
  private readonly plain: ObjectWriter;

  /** `writers`: kinds whose writes do more than store the object (Service: allocations). */
  constructor(
    readonly store: Store,
    readonly cacher: Cacher,
    private readonly writers: ReadonlyMap<string, ObjectWriter> = new Map(),
  ) {
    this.namespaces = new NamespaceLifecycle(store, cacher);
    this.plain = plainWriter(store);
  }

  private writerFor(info: ResourceInfo): ObjectWriter {
    return this.writers.get(info.kind) ?? this.plain;
  }

  /**
   * Checks a JSON body against the kind's schema: wrong value types are always
   * 400, unknown fields only when the client asked for strict validation.
   */
  checkBody(
    info: ResourceInfo,
    body: unknown,
    fieldValidation: WriteOptions["fieldValidation"],
    source: "body" | "patch" = "body",
  ): KubeObject {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw badRequest(`the body of the request was not a ${info.kind} object`);
    }
    const obj = body as KubeObject;
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    if (
      (obj.kind !== undefined && obj.kind !== info.kind) ||
      (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion)
    ) {
      throw badRequest(
        `the API version in the data (${obj.apiVersion ?? ""}) does not match the expected API version (${apiVersion}) or the kind (${obj.kind ?? ""}) is not ${info.kind}`,
      );
    }
    const problems = checkShape(info.protoType, body, IGNORED_FIELDS);
    if (problems.typeErrors.length > 0) {
      throw badRequest(
        `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${problems.typeErrors.join(", ")}`,
      );
    }
    if (fieldValidation === "Strict" && problems.unknownFields.length > 0) {
      const strict = `strict decoding error: ${problems.unknownFields.map((f) => `unknown field "${f}"`).join(", ")}`;
      // As Kubernetes words it: a request body that does not decode names the
      // kind; a patched object that does not is reported bare.
      throw badRequest(
        source === "patch"
          ? strict
          : `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${strict}`,
      );
    }
    return obj;
  }

  async create(
    info: ResourceInfo,
    namespace: string | undefined,
    body: KubeObject,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const obj = structuredClone(body);
    const meta = (obj.metadata = { ...obj.metadata });
    if (info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = namespace ?? meta.namespace ?? "default";
    } else {
      delete meta.namespace;
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    delete meta.managedFields;
    strategyFor(info.kind).prepareForCreate(obj);
    applyDefaults(info.kind, obj);
    const generated = !meta.name && meta.generateName !== undefined;
    if (generated) meta.name = generateName(meta.generateName ?? "");
    this.validate(info, meta.name ?? "", validateCreate(info.kind, obj));
    if (info.namespaced) await this.namespaces.admitCreate(info, meta.namespace ?? "", meta.name ?? "");
    const writer = this.writerFor(info);
    if (options.dryRun) {
      // A dry run answers as the write would: an object of that name already there is a 409.
      if (await this.store.get(info, meta.namespace, meta.name ?? ""))
        throw alreadyExists(info, meta.name ?? "");
      return writer.create(info, obj, true);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await writer.create(info, obj, false);
      } catch (err) {
        // A generated name that collides gets another suffix, as Kubernetes retries.
        if (!(generated && isAlreadyExists(err) && attempt < 3)) throw err;
        meta.name = generateName(meta.generateName ?? "");
      }
    }
  }

  /** PUT of the main resource or of the status subresource. */
  async update(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options: WriteOptions & { subresource?: "status" } = {},
  ): Promise<KubeObject> {
    const bodyMeta = metaOf(body);
    if (bodyMeta.name !== undefined && bodyMeta.name !== name) {
      throw badRequest(
        `the name of the object (${bodyMeta.name}) does not match the name on the URL (${name})`,
      );
    }
    if (info.namespaced && bodyMeta.namespace && bodyMeta.namespace !== namespace) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    const wantedRev = bodyMeta.resourceVersion ? Number(bodyMeta.resourceVersion) : undefined;
    return this.guaranteedUpdate(info, namespace, name, options, (current) => {
      if (wantedRev !== undefined && wantedRev !== current.rev) throw conflictError(info, name);
      this.checkIdentity(info, name, body, current.obj);
      return this.prepareUpdate(info, structuredClone(body), current.obj, options.subresource);
    });
  }

  /**
   * namespaces/<name>/finalize: only spec.finalizers changes (a main-resource
   * update would re-default them); a resourceVersion in the object is a
   * precondition. The namespace controller calls it once a namespace is empty,
   * and the namespace goes when no finalizer is left.
   */
  async finalize(
    info: ResourceInfo,
    name: string,
    body: KubeObject,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const finalizers = (body.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    const wantedRev = body.metadata?.resourceVersion ? Number(body.metadata.resourceVersion) : undefined;
    return this.guaranteedUpdate(info, undefined, name, options, (current) => {
      if (wantedRev !== undefined && wantedRev !== current.rev) throw conflictError(info, name);
      const next = structuredClone(current.obj);
      next.spec = { ...(next.spec as object), finalizers };
      return next;
    });
  }

  /**
   * Read-modify-write with optimistic concurrency: `mutate` gets the current
   * object and returns the next one (or throws); a concurrent change makes it
   * run again on the newer object. No change means no write.
   */
  async guaranteedUpdate(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options: WriteOptions,
    mutate: (current: Versioned) => KubeObject | Promise<KubeObject>,
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(info, namespace, name);
      if (!current) throw notFound(info, name);
      const next = await mutate(current);
      if (isDeepStrictEqual(withoutVersion(next), withoutVersion(current.obj))) return current.obj;
      const writer = this.writerFor(info);
      if (options.dryRun) return writer.update(info, next, current, true);
      try {
        if (shouldFinishDeletion(next)) {
          await writer.delete(info, current, false);
          return next;
        }
        return await writer.update(info, next, current, false);
      } catch (err) {
        if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }

  /**
   * The server's part of an update: identity and server-owned metadata come
   * from the stored object, status or spec is kept depending on the endpoint,
   * generation is bumped when the spec changed; then defaults and validation.
   */
  prepareUpdate(info: ResourceInfo, next: KubeObject, old: KubeObject, subresource?: string): KubeObject {
    const oldMeta = metaOf(old);
    let obj: KubeObject;
    if (subresource === "status") {
      obj = { ...structuredClone(old), status: next.status };
      if (next.status === undefined) delete obj.status;
    } else {
      obj = next;
      const strategy = strategyFor(info.kind);
      if (strategy.hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = structuredClone(old.status);
      }
    }
    const meta = (obj.metadata = { ...obj.metadata });
    meta.name = oldMeta.name;
    if (info.namespaced) meta.namespace = oldMeta.namespace;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    copyOrDelete(meta, oldMeta, "deletionTimestamp");
    copyOrDelete(meta, oldMeta, "deletionGracePeriodSeconds");
    delete meta.managedFields;
    delete meta.selfLink;
    meta.resourceVersion = oldMeta.resourceVersion;
    meta.generation = oldMeta.generation ?? 1;
    if (subresource !== "status") strategyFor(info.kind).prepareForUpdate?.(obj, old);
    applyDefaults(info.kind, obj);
    if (specChanged(obj, old)) meta.generation += 1;
    const errors =
      subresource === "status"
        ? validateStatusUpdate(info.kind, obj, old)
        : validateUpdate(info.kind, obj, old);
    this.validate(info, meta.name ?? "", errors);
    return obj;
  }

  async delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<DeleteResult> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(info, namespace, name);
      if (!current) throw notFound(info, name);
      checkPreconditions(info, name, current.obj, options);
      const marked = markForDeletion(info, current.obj, options);
      const writer = this.writerFor(info);
      try {
        if (marked === undefined) {
          await writer.delete(info, current, options.dryRun ?? false);
          return { obj: current.obj, deleted: true };
        }
        if (isDeepStrictEqual(marked, current.obj) || options.dryRun) return { obj: marked, deleted: false };
        return { obj: await writer.update(info, marked, current, false), deleted: false };
      } catch (err) {
        if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }

  /**
   * A resourceVersion or uid carried by the new object must match the stored
   * one: clients use them as preconditions (a uid guards against acting on a
   * recreated object of the same name).
   */
  checkIdentity(info: ResourceInfo, name: string, next: KubeObject, current: KubeObject): void {
    const want = metaOf(next);
    const have = metaOf(current);
    // A patch (or an edit) must not rename: the object is addressed by its URL.
    if (want.name !== undefined && want.name !== name) {
      throw badRequest(`the name of the object (${want.name}) does not match the name on the URL (${name})`);
    }
    if (want.resourceVersion && want.resourceVersion !== have.resourceVersion)
      throw conflictError(info, name);
    if (want.uid && want.uid !== have.uid) {
      throw conflict(
        info,
        name,
        `Precondition failed: UID in precondition: ${want.uid}, UID in object meta: ${have.uid ?? ""}`,
      );
    }
  }

  conflictError(info: ResourceInfo, name: string): Error {
    return conflictError(info, name);
  }

  private validate(info: ResourceInfo, name: string, errors: readonly FieldError[]): void {
    if (errors.length > 0) throw invalid({ group: info.group, kind: info.kind }, name, [...errors]);
  }
}

export function generateName(prefix: string): string {
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
  return prefix + suffix;
}

function conflictError(info: ResourceInfo, name: string): Error {
  return conflict(
    info,
    name,
    "the object has been modified; please apply your changes to the latest version and try again",
  );
}

function withoutVersion(obj: KubeObject): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } };
}

function copyOrDelete<T extends object, K extends keyof T>(to: T, from: T, key: K): void {
  if (from[key] === undefined) delete to[key];
  else to[key] = from[key];
}

/** Everything but metadata and status: what `generation` counts changes of. */
function specChanged(next: KubeObject, old: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest }: KubeObject): unknown =>
    rest;
  return !isDeepStrictEqual(strip(next), strip(old));
}

/** An object marked for deletion goes once its last finalizer is removed. */
function shouldFinishDeletion(obj: KubeObject): boolean {
  const meta = metaOf(obj);
  if (!meta.deletionTimestamp || (meta.finalizers?.length ?? 0) > 0) return false;
  if (
    obj.kind === "Namespace" &&
    ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) > 0
  )
    return false;
  // A pod in its grace period goes when the kubelet deletes it with grace 0.
  return !(obj.kind === "Pod" && (meta.deletionGracePeriodSeconds ?? 0) > 0);
}

function checkPreconditions(info: ResourceInfo, name: string, obj: KubeObject, options: DeleteOptions): void {
  const meta = metaOf(obj);
  const pre = options.preconditions;
  if (pre?.uid && pre.uid !== meta.uid) {
    throw conflict(
      info,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ""}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
    throw conflict(
      info,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ""}`,
    );
  }
}

/**
 * Decides whether a delete removes the object now (undefined) or marks it:
 * finalizers (including the garbage collector's foregroundDeletion and orphan),
 * a namespace's spec finalizers, or a running pod's grace period.
 */
function markForDeletion(
  info: ResourceInfo,
  obj: KubeObject,
  options: DeleteOptions,
): KubeObject | undefined {
  const meta = metaOf(obj);
  const finalizers = new Set(meta.finalizers ?? []);
  const policy = options.propagationPolicy ?? (options.orphanDependents ? "Orphan" : undefined);
  if (policy === "Foreground") finalizers.add("foregroundDeletion");
  if (policy === "Orphan") finalizers.add("orphan");
  const grace = podGracePeriod(obj, options);
  const nsFinalizers =
    info.kind === "Namespace" ? ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []) : [];
  if (finalizers.size === 0 && grace === 0 && nsFinalizers.length === 0) return undefined;
  if (meta.deletionTimestamp) {
    // Already terminating: a later delete may only shorten a pod's grace period.
    if (info.kind === "Pod" && grace === 0 && finalizers.size === 0) return undefined;
    return obj;
  }
  const now = Date.now();
  const marked: KubeObject = {
    ...obj,
    metadata: {
      ...meta,
      deletionTimestamp: nowTimestamp(new Date(now + grace * 1000)),
      deletionGracePeriodSeconds: grace,
      ...(finalizers.size > 0 ? { finalizers: [...finalizers] } : {}),
    },
  };
  if (info.kind === "Namespace") marked.status = { ...(obj.status as object), phase: "Terminating" };
  return marked;
}

/** A pod that a kubelet may be running gets a grace period; others go at once. */
function podGracePeriod(obj: KubeObject, options: DeleteOptions): number {
  if (obj.kind !== "Pod") return 0;
  const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  if (!spec?.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
  return Math.max(0, options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30);
}
