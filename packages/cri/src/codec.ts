/**
 * Protobuf ↔ plain objects for the CRI messages, so that callers only see the
 * generated interfaces. Decoded messages follow proto3 literally: every scalar,
 * enum, repeated and map field is present with its zero value when the sender
 * left it out (0, "", false, the enum's first name, [], {}); message-typed
 * fields are absent when unset.
 */
import protobuf from "protobufjs";
import { descriptor } from "./gen/descriptor.js";

export const criRoot = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);

const TO_OBJECT: protobuf.IConversionOptions = {
  // Nanosecond timestamps exceed 2^53: numbers keep them to ~256 ns, plenty.
  longs: Number,
  enums: String,
  // bytes stay Buffers (ExecSync output).
  bytes: undefined,
  defaults: true,
  arrays: true,
  objects: true,
};

export interface CriCodec<T> {
  readonly type: protobuf.Type;
  encode(value: T): Buffer;
  decode(bytes: Uint8Array): T;
}

const codecs = new Map<string, CriCodec<unknown>>();

/** The codec of one message, by its name in runtime.v1, e.g. "ContainerStatus". */
export function criCodec<T>(name: string): CriCodec<T> {
  let codec = codecs.get(name);
  if (!codec) {
    const type = criRoot.lookupType(`runtime.v1.${name}`);
    codec = {
      type,
      encode: (value) =>
        Buffer.from(type.encode(type.fromObject(value as { [k: string]: unknown })).finish()),
      decode: (bytes) => dropNulls(type.toObject(type.decode(bytes), TO_OBJECT)),
    };
    codecs.set(name, codec);
  }
  return codec as CriCodec<T>;
}

// protobufjs fills unset message fields with null under `defaults`; the
// generated types say "absent" (undefined), so nulls are removed.
function dropNulls(value: unknown): never {
  if (Array.isArray(value)) {
    for (const item of value) dropNulls(item);
  } else if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    const record = value as Record<string, unknown>;
    for (const [key, child] of Object.entries(record)) {
      if (child === null) delete record[key];
      else dropNulls(child);
    }
  }
  return value as never;
}
