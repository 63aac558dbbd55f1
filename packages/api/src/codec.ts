/**
 * The one place where Kubernetes JSON meets protobuf. Objects live in memory as
 * plain JSON-shaped values (the generated interfaces); this module encodes them
 * to the protobuf bytes kept in etcd and sent over gRPC, and back.
 *
 * Mapping quirks handled here and nowhere else:
 * - IntOrString is a message with a oneof in proto, a bare number or string in JSON.
 * - int64 fields are plain numbers in JSON (as Kubernetes' int64 fields are).
 * - bytes are base64 strings in JSON.
 */
import protobuf from "protobufjs";
import { descriptor } from "./gen/descriptor.js";
import { apiVersionOf, type ResourceInfo } from "./resources.js";

const INT_OR_STRING = ".ktl.meta.v1.IntOrString";

// Wrappers must be registered before the types are built: protobufjs picks them
// up when it generates a type's fromObject/toObject.
protobuf.wrappers[INT_OR_STRING] = {
  fromObject(this: protobuf.Type, value: { [k: string]: unknown }): protobuf.Message {
    const v: unknown = value;
    if (typeof v === "number") return this.create({ intVal: v });
    if (typeof v === "string") return this.create({ strVal: v });
    return this.fromObject(value);
  },
  toObject(this: protobuf.Type, message: protobuf.Message): { [k: string]: unknown } {
    const m = message as unknown as { intVal?: number; strVal?: string };
    const value = m.strVal !== undefined && m.strVal !== null && m.strVal !== "" ? m.strVal : (m.intVal ?? 0);
    return value as unknown as { [k: string]: unknown };
  },
};

export const protoRoot = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  bytes: String,
  defaults: false,
  arrays: false,
  objects: false,
  oneofs: false,
};

/** For RPC envelopes: bytes stay Buffers (they carry nested encoded objects). */
const RPC_TO_OBJECT: protobuf.IConversionOptions = { ...TO_OBJECT, bytes: undefined };

export interface Codec<T> {
  readonly type: protobuf.Type;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const codecs = new Map<string, Codec<unknown>>();
const rpcCodecs = new Map<string, Codec<unknown>>();

/** The codec of one message type by its full name, e.g. "ktl.core.v1.Pod". */
export function codecFor<T>(fullName: string): Codec<T> {
  return cachedCodec(codecs, fullName, TO_OBJECT) as Codec<T>;
}

/** The codec of a gRPC envelope message: bytes fields decode to Buffers, not base64. */
export function rpcCodecFor<T>(fullName: string): Codec<T> {
  return cachedCodec(rpcCodecs, fullName, RPC_TO_OBJECT) as Codec<T>;
}

function cachedCodec(
  cache: Map<string, Codec<unknown>>,
  fullName: string,
  options: protobuf.IConversionOptions,
): Codec<unknown> {
  let codec = cache.get(fullName);
  if (!codec) {
    const type = protoRoot.lookupType(fullName);
    codec = {
      type,
      encode: (value) =>
        type.encode(type.fromObject(wrapIntOrStrings(type, value) as { [k: string]: unknown })).finish(),
      decode: (bytes) => type.toObject(type.decode(bytes), options),
    };
    cache.set(fullName, codec);
  }
  return codec;
}

/**
 * The codec of a stored kind: decode also sets apiVersion and kind, which are
 * not stored (the key already says what the value is), and puts them first so
 * that JSON output reads as Kubernetes' does.
 */
export function objectCodec<T extends object>(info: ResourceInfo): Codec<T> {
  const inner = codecFor<T>(info.protoType);
  const apiVersion = apiVersionOf(info);
  return {
    type: inner.type,
    encode: (value) => inner.encode(value),
    decode: (bytes) => ({ apiVersion, kind: info.kind, ...inner.decode(bytes) }),
  };
}

// protobufjs' generated fromObject insists on an object before it calls a
// wrapper, so bare IntOrString scalars are wrapped beforehand. Per type we keep
// the fields that lead to an IntOrString, so objects without any cost nothing.
type Plan = readonly protobuf.Field[];
const plans = new Map<protobuf.Type, Plan>();

function planFor(type: protobuf.Type): Plan {
  const known = plans.get(type);
  if (known) return known;
  plans.set(type, []); // breaks cycles in recursive schemas
  const plan = type.fieldsArray.filter((field) => {
    const child = field.resolvedType;
    if (!(child instanceof protobuf.Type)) return false;
    return child.fullName === INT_OR_STRING || planFor(child).length > 0;
  });
  plans.set(type, plan);
  return plan;
}

function wrapIntOrStrings(type: protobuf.Type, value: unknown): unknown {
  const plan = planFor(type);
  if (plan.length === 0 || typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const field of plan) {
    const child = copy[field.name];
    if (child === undefined || child === null) continue;
    const convert = (v: unknown): unknown => wrapField(field, v);
    if (field.repeated && Array.isArray(child)) copy[field.name] = child.map(convert);
    else if (field.map && typeof child === "object") {
      copy[field.name] = Object.fromEntries(Object.entries(child).map(([k, v]) => [k, convert(v)]));
    } else copy[field.name] = convert(child);
  }
  return copy;
}

function wrapField(field: protobuf.Field, value: unknown): unknown {
  const type = field.resolvedType as protobuf.Type;
  if (type.fullName !== INT_OR_STRING) return wrapIntOrStrings(type, value);
  if (typeof value === "number") return { intVal: value };
  if (typeof value === "string") return { strVal: value };
  return value;
}

export interface ShapeProblems {
  /** Paths of fields the schema does not have, e.g. "spec.replica". */
  readonly unknownFields: string[];
  /** Values of the wrong JSON type, in Kubernetes' words. */
  readonly typeErrors: string[];
}

const NUMERIC = new Set([
  "double",
  "float",
  "int32",
  "int64",
  "uint32",
  "uint64",
  "sint32",
  "sint64",
  "fixed32",
  "fixed64",
  "sfixed32",
  "sfixed64",
]);

function jsonTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function expectedJsonType(field: protobuf.Field): string {
  if (field.resolvedType instanceof protobuf.Type) {
    return field.resolvedType.fullName === INT_OR_STRING ? "number or string" : "object";
  }
  if (field.type === "bool") return "boolean";
  return NUMERIC.has(field.type) ? "number" : "string";
}

function scalarMatches(field: protobuf.Field, value: unknown): boolean {
  const expected = expectedJsonType(field);
  if (expected === "object") return typeof value === "object" && value !== null && !Array.isArray(value);
  if (expected === "number or string") return typeof value === "number" || typeof value === "string";
  if (expected === "number") {
    return (
      typeof value === "number" &&
      (field.type === "double" || field.type === "float" || Number.isInteger(value))
    );
  }
  return typeof value === expected;
}

/**
 * Walks a JSON value against a message type and reports what decoding would
 * silently drop or coerce: unknown fields (refused under fieldValidation=Strict)
 * and values of the wrong type (always refused, as Kubernetes' JSON decoder does).
 * `null` is accepted anywhere and means "unset".
 */
export function checkShape(
  fullName: string,
  value: unknown,
  ignore: ReadonlySet<string> = new Set(),
): ShapeProblems {
  const problems: ShapeProblems = { unknownFields: [], typeErrors: [] };
  walkMessage(protoRoot.lookupType(fullName), value, "", problems, ignore);
  return problems;
}

function walkMessage(
  type: protobuf.Type,
  value: unknown,
  path: string,
  out: ShapeProblems,
  ignore: ReadonlySet<string>,
): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    out.typeErrors.push(`${path || "<root>"}: expected object, got ${jsonTypeName(value)}`);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    const field = type.fields[key];
    if (!field) {
      if (!(path === "" && (key === "apiVersion" || key === "kind")) && !ignore.has(childPath)) {
        out.unknownFields.push(childPath);
      }
      continue;
    }
    if (child === null || child === undefined) continue;
    walkField(field, child, childPath, out, ignore);
  }
}

function walkField(
  field: protobuf.Field,
  value: unknown,
  path: string,
  out: ShapeProblems,
  ignore: ReadonlySet<string>,
): void {
  if (field.map) {
    if (typeof value !== "object" || Array.isArray(value)) {
      out.typeErrors.push(`${path}: expected map, got ${jsonTypeName(value)}`);
      return;
    }
    for (const [k, v] of Object.entries(value as object)) {
      if (v !== null && !scalarMatches(field, v)) {
        out.typeErrors.push(`${path}.${k}: expected ${expectedJsonType(field)}, got ${jsonTypeName(v)}`);
      }
    }
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      out.typeErrors.push(`${path}: expected array, got ${jsonTypeName(value)}`);
      return;
    }
    value.forEach((item, i) => walkSingle(field, item, `${path}[${i}]`, out, ignore));
    return;
  }
  walkSingle(field, value, path, out, ignore);
}

function walkSingle(
  field: protobuf.Field,
  value: unknown,
  path: string,
  out: ShapeProblems,
  ignore: ReadonlySet<string>,
): void {
  if (value === null) return;
  const type = field.resolvedType;
  if (type instanceof protobuf.Type && type.fullName !== INT_OR_STRING) {
    walkMessage(type, value, path, out, ignore);
  } else if (!scalarMatches(field, value)) {
    out.typeErrors.push(`${path}: expected ${expectedJsonType(field)}, got ${jsonTypeName(value)}`);
  }
}
