/**
 * Kubernetes Status errors (k8s.io/apimachinery/pkg/api/errors). Messages,
 * reasons, codes and details are Kubernetes' own, since kubectl and client
 * libraries branch on them and users compare them with what a real cluster
 * prints. The field errors behind 422 Invalid live in validation.ts.
 */
import {
  aggregateMessages,
  fieldErrorBody,
  fieldErrorMessage,
  fieldPathString,
  goQuote,
  type FieldError,
} from "./validation.js";

/** metav1.StatusReason values. Codes are set by the constructors below. */
export const StatusReason = {
  Unknown: "",
  BadRequest: "BadRequest", // 400
  Unauthorized: "Unauthorized", // 401
  Forbidden: "Forbidden", // 403
  NotFound: "NotFound", // 404
  MethodNotAllowed: "MethodNotAllowed", // 405
  NotAcceptable: "NotAcceptable", // 406
  AlreadyExists: "AlreadyExists", // 409
  Conflict: "Conflict", // 409
  Gone: "Gone", // 410
  Expired: "Expired", // 410
  RequestEntityTooLarge: "RequestEntityTooLarge", // 413
  UnsupportedMediaType: "UnsupportedMediaType", // 415
  Invalid: "Invalid", // 422
  TooManyRequests: "TooManyRequests", // 429
  InternalError: "InternalError", // 500
  ServerTimeout: "ServerTimeout", // 500
  StorageReadError: "StorageReadError", // 500
  ServiceUnavailable: "ServiceUnavailable", // 503
  Timeout: "Timeout", // 504
} as const;

export type StatusReason = (typeof StatusReason)[keyof typeof StatusReason];

/** One problem behind a Status; `reason` holds the cause type (e.g. FieldValueRequired). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** metav1.Status as it appears on the wire. */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: { resourceVersion?: string; continue?: string; selfLink?: string; remainingItemCount?: number };
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error carrying the Status the API returns for it; message is the Status message. */
export class StatusError extends Error {
  override readonly name = "StatusError";
  readonly status: Status;

  constructor(status: Status, options?: ErrorOptions) {
    super(status.message ?? "", options);
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason ?? "";
  }
}

// ---------------------------------------------------------------------------
// Status constructors

/** A resource or kind with its API group; "" is the core group. */
export interface GroupResource {
  readonly group?: string;
  readonly resource: string;
}

export interface GroupKind {
  readonly group?: string;
  readonly kind: string;
}

/** schema.GroupResource.String: "pods", "deployments.apps". */
function grString(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function gkString(gk: GroupKind): string {
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

/** Details as Go serialises them: empty strings and zero numbers are omitted. */
function compactDetails(details: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  if (details.name) out.name = details.name;
  if (details.group) out.group = details.group;
  if (details.kind) out.kind = details.kind;
  if (details.uid) out.uid = details.uid;
  if (details.causes && details.causes.length > 0) out.causes = details.causes;
  if (details.retryAfterSeconds) out.retryAfterSeconds = details.retryAfterSeconds;
  return out;
}

function failure(
  code: number,
  reason: StatusReason,
  message: string,
  details?: StatusDetails,
  cause?: unknown,
): StatusError {
  const status: Status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  };
  if (details) status.details = compactDetails(details);
  return new StatusError(status, cause === undefined ? undefined : { cause });
}

function resourceDetails(gr: GroupResource, name?: string): StatusDetails {
  return { group: gr.group, kind: gr.resource, name };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function notFound(gr: GroupResource, name: string): StatusError {
  return failure(
    404,
    StatusReason.NotFound,
    `${grString(gr)} ${goQuote(name)} not found`,
    resourceDetails(gr, name),
  );
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return failure(
    409,
    StatusReason.AlreadyExists,
    `${grString(gr)} ${goQuote(name)} already exists`,
    resourceDetails(gr, name),
  );
}

/** detail is typically "the object has been modified; please apply your changes to the latest version and try again". */
export function conflict(gr: GroupResource, name: string, detail: string | Error): StatusError {
  const message = `Operation cannot be fulfilled on ${grString(gr)} ${goQuote(name)}: ${errorText(detail)}`;
  return failure(409, StatusReason.Conflict, message, resourceDetails(gr, name));
}

export function invalid(gk: GroupKind, name: string, errs: readonly FieldError[]): StatusError {
  const causes = errs.map((e) => ({
    reason: e.type,
    message: fieldErrorBody(e),
    field: fieldPathString(e.field),
  }));
  const summary = aggregateMessages(errs.map(fieldErrorMessage));
  const message = `${gkString(gk)} ${goQuote(name)} is invalid${summary ? `: ${summary}` : ""}`;
  return failure(422, StatusReason.Invalid, message, { group: gk.group, kind: gk.kind, name, causes });
}

export function badRequest(message: string): StatusError {
  return failure(400, StatusReason.BadRequest, message);
}

export function unauthorized(message = ""): StatusError {
  return failure(401, StatusReason.Unauthorized, message || "not authorized");
}

export function forbidden(gr: GroupResource, name: string, reason: string | Error): StatusError {
  const text = errorText(reason);
  let message: string;
  if (!gr.group && !gr.resource) message = `forbidden: ${text}`;
  else if (name === "") message = `${grString(gr)} is forbidden: ${text}`;
  else message = `${grString(gr)} ${goQuote(name)} is forbidden: ${text}`;
  return failure(403, StatusReason.Forbidden, message, resourceDetails(gr, name));
}

/** 410 with reason Gone. Kubernetes itself prefers resourceExpired for stale resource versions. */
export function gone(message: string): StatusError {
  return failure(410, StatusReason.Gone, message);
}

/** 410 with reason Expired: a resourceVersion or continue token older than the server keeps. */
export function resourceExpired(message: string): StatusError {
  return failure(410, StatusReason.Expired, message);
}

export function requestEntityTooLarge(message: string): StatusError {
  return failure(413, StatusReason.RequestEntityTooLarge, `Request entity too large: ${message}`);
}

/** With the accepted types, the apiserver's negotiation message; otherwise names the rejected type. */
export function unsupportedMediaType(contentType: string, accepted: readonly string[] = []): StatusError {
  const message =
    accepted.length > 0
      ? `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`
      : `the body of the request was in an unknown format: ${goQuote(contentType)} is not a supported media type`;
  return failure(415, StatusReason.UnsupportedMediaType, message);
}

export function methodNotSupported(gr: GroupResource, action: string): StatusError {
  const message = `${action} is not supported on resources of kind ${goQuote(grString(gr))}`;
  return failure(405, StatusReason.MethodNotAllowed, message, resourceDetails(gr));
}

/** e.g. "only the following media types are accepted: application/json". */
export function notAcceptable(message: string): StatusError {
  return failure(406, StatusReason.NotAcceptable, message);
}

export function tooManyRequests(message: string, retryAfterSeconds = 0): StatusError {
  return failure(429, StatusReason.TooManyRequests, message, { retryAfterSeconds });
}

export function internalError(err: unknown): StatusError {
  const text = errorText(err);
  return failure(
    500,
    StatusReason.InternalError,
    `Internal error occurred: ${text}`,
    { causes: [{ message: text }] },
    err,
  );
}

export function serverTimeout(gr: GroupResource, operation: string, retryAfterSeconds = 0): StatusError {
  const message = `The ${operation} operation against ${grString(gr)} could not be completed at this time, please try again.`;
  return failure(500, StatusReason.ServerTimeout, message, {
    ...resourceDetails(gr, operation),
    retryAfterSeconds,
  });
}

export function serviceUnavailable(message: string): StatusError {
  return failure(503, StatusReason.ServiceUnavailable, message);
}

export function timeout(message: string, retryAfterSeconds = 0): StatusError {
  return failure(504, StatusReason.Timeout, `Timeout: ${message}`, { retryAfterSeconds });
}

// ---------------------------------------------------------------------------
// Recognising errors

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A Status JSON object (apiVersion v1 or meta.k8s.io/v1), normalised; undefined for anything else. */
export function statusFromObject(obj: unknown): Status | undefined {
  if (!isRecord(obj) || obj.kind !== "Status") return undefined;
  if (obj.apiVersion !== "v1" && obj.apiVersion !== "meta.k8s.io/v1") return undefined;
  const status: Status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: isRecord(obj.metadata) ? obj.metadata : {},
    status: obj.status === "Success" ? "Success" : "Failure",
    code: typeof obj.code === "number" ? obj.code : 0,
  };
  if (typeof obj.message === "string") status.message = obj.message;
  if (typeof obj.reason === "string") status.reason = obj.reason;
  if (isRecord(obj.details)) status.details = obj.details;
  return status;
}

/** The Status of a StatusError, also one from another copy of this module. */
function statusOf(err: unknown): Status | undefined {
  if (err instanceof StatusError) return err.status;
  return isRecord(err) ? statusFromObject(err.status) : undefined;
}

const KNOWN_REASONS = new Set<string>(Object.values(StatusReason).filter((r) => r !== ""));

/** As Kubernetes: the reason decides; the code only when the reason is not one it knows. */
function hasReason(err: unknown, reason: StatusReason, code?: number): boolean {
  const status = statusOf(err);
  if (!status) return false;
  if (status.reason === reason) return true;
  return code !== undefined && !KNOWN_REASONS.has(status.reason ?? "") && status.code === code;
}

export const isNotFound = (err: unknown): boolean => hasReason(err, StatusReason.NotFound, 404);
export const isAlreadyExists = (err: unknown): boolean => hasReason(err, StatusReason.AlreadyExists);
export const isConflict = (err: unknown): boolean => hasReason(err, StatusReason.Conflict, 409);
export const isInvalid = (err: unknown): boolean => hasReason(err, StatusReason.Invalid, 422);
export const isBadRequest = (err: unknown): boolean => hasReason(err, StatusReason.BadRequest, 400);
export const isForbidden = (err: unknown): boolean => hasReason(err, StatusReason.Forbidden, 403);
export const isResourceExpired = (err: unknown): boolean => hasReason(err, StatusReason.Expired);
/** Gone or Expired: either way the client must start over (relist). */
export const isGone = (err: unknown): boolean =>
  hasReason(err, StatusReason.Gone, 410) || isResourceExpired(err);
export const isTimeout = (err: unknown): boolean => hasReason(err, StatusReason.Timeout, 504);
export const isTooManyRequests = (err: unknown): boolean => hasReason(err, StatusReason.TooManyRequests, 429);
export const isServiceUnavailable = (err: unknown): boolean =>
  hasReason(err, StatusReason.ServiceUnavailable, 503);
export const isInternalError = (err: unknown): boolean => hasReason(err, StatusReason.InternalError, 500);

/**
 * Errors this package throws for bad client input. Matched by name so this
 * file needs neither labels.ts nor patch/ (and no import cycle).
 */
const CLIENT_INPUT_ERRORS = new Set(["SelectorParseError", "PatchError"]);

/** For boundaries: StatusErrors pass through, bad selectors/patches are 400, anything else 500. */
export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const status = statusOf(err);
  if (status) return new StatusError(status, { cause: err });
  if (err instanceof Error && CLIENT_INPUT_ERRORS.has(err.name)) {
    return new StatusError(badRequest(err.message).status, { cause: err });
  }
  return internalError(err);
}
