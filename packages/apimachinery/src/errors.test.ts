import { describe, expect, it } from "vitest";
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  gone,
  internalError,
  invalid,
  isAlreadyExists,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  isResourceExpired,
  isServiceUnavailable,
  methodNotSupported,
  notAcceptable,
  notFound,
  requestEntityTooLarge,
  resourceExpired,
  serverTimeout,
  serviceUnavailable,
  StatusError,
  statusFromObject,
  timeout,
  toStatusError,
  tooManyRequests,
  unauthorized,
  unsupportedMediaType,
} from "./errors.js";
import { invalidValue, notSupported, required } from "./validation.js";
import { SelectorParseError } from "./labels.js";

const PODS = { group: "", resource: "pods" };
const DEPLOYMENTS = { group: "apps", resource: "deployments" };
const MODIFIED =
  "the object has been modified; please apply your changes to the latest version and try again";

describe("Status constructors", () => {
  it("notFound", () => {
    const err = notFound(PODS, "x");
    expect(err).toBeInstanceOf(StatusError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("StatusError");
    expect(err.message).toBe(`pods "x" not found`);
    expect(err.status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `pods "x" not found`,
      reason: "NotFound",
      details: { name: "x", kind: "pods" },
      code: 404,
    });
    expect(notFound(DEPLOYMENTS, "web").message).toBe(`deployments.apps "web" not found`);
    expect(notFound(DEPLOYMENTS, "web").status.details).toEqual({
      name: "web",
      group: "apps",
      kind: "deployments",
    });
  });

  it("alreadyExists and conflict", () => {
    expect(alreadyExists(PODS, "x").status).toMatchObject({
      code: 409,
      reason: "AlreadyExists",
      message: `pods "x" already exists`,
    });
    const c = conflict(PODS, "x", MODIFIED);
    expect(c.status).toMatchObject({ code: 409, reason: "Conflict" });
    expect(c.message).toBe(`Operation cannot be fulfilled on pods "x": ${MODIFIED}`);
    expect(conflict(DEPLOYMENTS, "d", new Error("boom")).message).toBe(
      `Operation cannot be fulfilled on deployments.apps "d": boom`,
    );
  });

  it("invalid with one cause", () => {
    const err = invalid({ group: "", kind: "Pod" }, "x", [required("spec.containers[0].image")]);
    expect(err.message).toBe(`Pod "x" is invalid: spec.containers[0].image: Required value`);
    expect(err.status).toMatchObject({
      code: 422,
      reason: "Invalid",
      details: {
        name: "x",
        kind: "Pod",
        causes: [
          { reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image" },
        ],
      },
    });
  });

  it("invalid with several causes, deduplicated in the message only", () => {
    const errs = [
      invalidValue("spec.replicas", -1, "must be greater than or equal to 0"),
      notSupported("spec.strategy.type", "Foo", ["Recreate", "RollingUpdate"]),
      invalidValue("spec.replicas", -1, "must be greater than or equal to 0"),
    ];
    const err = invalid({ group: "apps", kind: "Deployment" }, "web", errs);
    expect(err.message).toBe(
      `Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, ` +
        `spec.strategy.type: Unsupported value: "Foo": supported values: "Recreate", "RollingUpdate"]`,
    );
    expect(err.status.details?.group).toBe("apps");
    expect(err.status.details?.causes).toHaveLength(3);
    expect(err.status.details?.causes?.[1]).toEqual({
      reason: "FieldValueNotSupported",
      message: `Unsupported value: "Foo": supported values: "Recreate", "RollingUpdate"`,
      field: "spec.strategy.type",
    });
  });

  it("invalid without causes", () => {
    expect(invalid({ kind: "Pod" }, "x", []).message).toBe(`Pod "x" is invalid`);
  });

  it("gone and resourceExpired", () => {
    expect(gone("too old resource version: 5 (10)").status).toMatchObject({
      code: 410,
      reason: "Gone",
      message: "too old resource version: 5 (10)",
    });
    expect(resourceExpired("too old resource version: 5 (10)").status).toMatchObject({
      code: 410,
      reason: "Expired",
    });
  });

  it.each([
    [badRequest("bad"), 400, "BadRequest", "bad"],
    [unauthorized(), 401, "Unauthorized", "not authorized"],
    [forbidden(PODS, "x", "nope"), 403, "Forbidden", `pods "x" is forbidden: nope`],
    [forbidden(PODS, "", "nope"), 403, "Forbidden", "pods is forbidden: nope"],
    [forbidden({ resource: "" }, "", "nope"), 403, "Forbidden", "forbidden: nope"],
    [
      methodNotSupported(DEPLOYMENTS, "create"),
      405,
      "MethodNotAllowed",
      `create is not supported on resources of kind "deployments.apps"`,
    ],
    [
      notAcceptable("only the following media types are accepted: application/json"),
      406,
      "NotAcceptable",
      "only the following media types are accepted: application/json",
    ],
    [
      requestEntityTooLarge("limit is 3145728"),
      413,
      "RequestEntityTooLarge",
      "Request entity too large: limit is 3145728",
    ],
    [
      unsupportedMediaType("text/plain", ["application/json-patch+json", "application/merge-patch+json"]),
      415,
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json",
    ],
    [tooManyRequests("slow down", 2), 429, "TooManyRequests", "slow down"],
    [internalError(new Error("disk on fire")), 500, "InternalError", "Internal error occurred: disk on fire"],
    [
      serverTimeout(PODS, "get", 2),
      500,
      "ServerTimeout",
      "The get operation against pods could not be completed at this time, please try again.",
    ],
    [serviceUnavailable("etcd is down"), 503, "ServiceUnavailable", "etcd is down"],
    [
      timeout("Too large resource version: 20, current: 10"),
      504,
      "Timeout",
      "Timeout: Too large resource version: 20, current: 10",
    ],
  ])("%#: code %i reason %s", (err, code, reason, message) => {
    expect(err.status.code).toBe(code);
    expect(err.code).toBe(code);
    expect(err.status.reason).toBe(reason);
    expect(err.reason).toBe(reason);
    expect(err.message).toBe(message);
    expect(err.status.status).toBe("Failure");
  });

  it("fills details as Kubernetes does", () => {
    expect(internalError(new Error("x")).status.details).toEqual({ causes: [{ message: "x" }] });
    expect(tooManyRequests("m", 3).status.details).toEqual({ retryAfterSeconds: 3 });
    expect(timeout("m").status.details).toEqual({});
    expect(badRequest("m").status.details).toBeUndefined();
    expect(methodNotSupported(PODS, "patch").status.details).toEqual({ kind: "pods" });
  });
});

describe("guards", () => {
  it("recognise errors by reason", () => {
    expect(isNotFound(notFound(PODS, "x"))).toBe(true);
    expect(isNotFound(alreadyExists(PODS, "x"))).toBe(false);
    expect(isAlreadyExists(alreadyExists(PODS, "x"))).toBe(true);
    expect(isAlreadyExists(conflict(PODS, "x", "c"))).toBe(false);
    expect(isConflict(conflict(PODS, "x", "c"))).toBe(true);
    expect(isConflict(alreadyExists(PODS, "x"))).toBe(false);
    expect(isInvalid(invalid({ kind: "Pod" }, "x", []))).toBe(true);
    expect(isGone(gone("g"))).toBe(true);
    expect(isGone(resourceExpired("e"))).toBe(true);
    expect(isResourceExpired(gone("g"))).toBe(false);
    expect(isServiceUnavailable(serviceUnavailable("down"))).toBe(true);
  });

  it("fall back to the code when the reason is unknown", () => {
    const status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code: 404 } as const;
    expect(isNotFound(new StatusError(status))).toBe(true);
    expect(isAlreadyExists(new StatusError({ ...status, code: 409 }))).toBe(false);
    expect(isConflict(new StatusError({ ...status, code: 409 }))).toBe(true);
  });

  it("reject other values", () => {
    expect(isNotFound(new Error("not found"))).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
    expect(isNotFound({ status: 404 })).toBe(false);
  });
});

describe("toStatusError", () => {
  it("passes StatusErrors through", () => {
    const err = notFound(PODS, "x");
    expect(toStatusError(err)).toBe(err);
  });

  it("turns unknown errors into 500s", () => {
    const cause = new TypeError("x is undefined");
    const err = toStatusError(cause);
    expect(err.status).toMatchObject({
      code: 500,
      reason: "InternalError",
      message: "Internal error occurred: x is undefined",
    });
    expect(err.cause).toBe(cause);
    expect(toStatusError("plain string").message).toBe("Internal error occurred: plain string");
  });

  it("turns bad selectors and patches into 400s", () => {
    expect(
      toStatusError(new SelectorParseError("found ',', expected: identifier after ','")).status,
    ).toMatchObject({
      code: 400,
      reason: "BadRequest",
      message: "found ',', expected: identifier after ','",
    });
    const patchError = Object.assign(new Error("missing path"), { name: "PatchError" });
    expect(toStatusError(patchError).status.code).toBe(400);
  });

  it("recognises Status-carrying errors from elsewhere", () => {
    const foreign = Object.assign(new Error("gone"), {
      status: { kind: "Status", apiVersion: "v1", code: 410, reason: "Expired", message: "gone" },
    });
    const err = toStatusError(foreign);
    expect(err).toBeInstanceOf(StatusError);
    expect(isGone(err)).toBe(true);
  });
});

describe("statusFromObject", () => {
  it("recognises Status objects", () => {
    const obj = JSON.parse(JSON.stringify(notFound(PODS, "x").status)) as unknown;
    expect(statusFromObject(obj)).toEqual(notFound(PODS, "x").status);
    expect(
      statusFromObject({ kind: "Status", apiVersion: "meta.k8s.io/v1", status: "Success", code: 200 }),
    ).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      code: 200,
    });
  });

  it("rejects anything else", () => {
    expect(statusFromObject({ kind: "Pod", apiVersion: "v1" })).toBeUndefined();
    expect(statusFromObject({ kind: "Status", apiVersion: "v2" })).toBeUndefined();
    expect(statusFromObject(null)).toBeUndefined();
    expect(statusFromObject("Status")).toBeUndefined();
  });
});
