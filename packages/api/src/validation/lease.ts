/** coordination.k8s.io/v1 Lease validation, after pkg/apis/coordination/validation. */
import { z } from "zod";
import {
  forbiddenField,
  invalidValue,
  isQualifiedName,
  notSupported,
  tooLong,
  type FieldError,
} from "@ktl/apimachinery";
import type { Lease, LeaseSpec } from "../gen/types.js";
import { IS_NEGATIVE_ERROR } from "./formats.js";
import {
  ObjectMetaSchema,
  nameIsDNSSubdomain,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./meta.js";
import { child } from "./path.js";
import { int, opt, str } from "./schema.js";

/**
 * Kubernetes leaves holderIdentity unchecked. We bound it by the longest
 * LeaseCandidate name (a 253-character config key), which coordinated leader
 * election requires it to equal, so a runaway identity cannot bloat a lock
 * every candidate reads every retry period.
 */
export const MAX_HOLDER_IDENTITY_LENGTH = 253;
/** The strategies Kubernetes defines; others must be prefixed ("example.com/mine"). */
const LEASE_STRATEGIES = ["OldestEmulationVersion"] as const;

export const LeaseSchema = z.object({
  metadata: opt(ObjectMetaSchema),
  spec: opt(
    z.object({
      holderIdentity: opt(str()),
      leaseDurationSeconds: opt(int()),
      acquireTime: opt(str()),
      renewTime: opt(str()),
      leaseTransitions: opt(int()),
      strategy: opt(str()),
      preferredHolder: opt(str()),
    }),
  ),
});

export function validateLease(lease: Lease): FieldError[] {
  const errs = validateObjectMeta(lease.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  return [...errs, ...validateLeaseSpec(lease.spec ?? {}, "spec")];
}

/** Any holder may rewrite any spec field: taking over a lease is an ordinary update. */
export function validateLeaseUpdate(lease: Lease, old: Lease): FieldError[] {
  return [
    ...validateObjectMetaUpdate(lease.metadata, old.metadata),
    ...validateLeaseSpec(lease.spec ?? {}, "spec"),
  ];
}

function validateLeaseSpec(spec: LeaseSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const holder = spec.holderIdentity ?? "";
  if (holder.length > MAX_HOLDER_IDENTITY_LENGTH) {
    errs.push(tooLong(child(path, "holderIdentity"), holder, MAX_HOLDER_IDENTITY_LENGTH));
  }
  // A zero duration would let any candidate take the lease the moment it is written.
  if (spec.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) {
    errs.push(
      invalidValue(child(path, "leaseDurationSeconds"), spec.leaseDurationSeconds, "must be greater than 0"),
    );
  }
  if (spec.leaseTransitions != null && spec.leaseTransitions < 0) {
    errs.push(invalidValue(child(path, "leaseTransitions"), spec.leaseTransitions, IS_NEGATIVE_ERROR));
  }
  if (spec.strategy != null) errs.push(...validateStrategy(spec.strategy, child(path, "strategy")));
  if ((spec.preferredHolder ?? "") !== "" && (spec.strategy ?? "") === "") {
    errs.push(
      forbiddenField(child(path, "preferredHolder"), "may only be specified if `strategy` is defined"),
    );
  }
  return errs;
}

/**
 * A bare name must be one Kubernetes defines; a prefixed one must be a
 * qualified name. (Kubernetes reports the first case at
 * `spec.strategy.strategy`, a path slip we do not copy.)
 */
function validateStrategy(strategy: string, path: string): FieldError[] {
  if (!strategy.includes("/")) {
    return (LEASE_STRATEGIES as readonly string[]).includes(strategy)
      ? []
      : [notSupported(path, strategy, LEASE_STRATEGIES)];
  }
  return isQualifiedName(strategy).map((msg) => invalidValue(path, strategy, msg));
}
