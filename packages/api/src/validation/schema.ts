/**
 * The zod layer: schema builders for field shapes and single-field rules,
 * and the mapping of zod issues to Kubernetes field errors. Rules that look
 * at more than one field live in plain functions beside each kind.
 */
import { z } from "zod";
import { forbiddenField, invalidValue, notSupported, required, type FieldError } from "@ktl/apimachinery";
import { IS_NEGATIVE_ERROR, isValidPortNum } from "./formats.js";
import { child, index, key } from "./path.js";

/** Which field error a custom issue stands for; carried in the issue's params. */
type Rule =
  | { rule: "required"; detail?: string }
  | { rule: "invalid"; detail: string }
  | { rule: "notSupported"; values: readonly string[] }
  | { rule: "forbidden"; detail: string }
  /** The value has the wrong JSON type; later cross-field checks must not run. */
  | { rule: "type"; detail: string };

export function addRule(ctx: z.RefinementCtx, rule: Rule): void {
  ctx.addIssue({ code: z.ZodIssueCode.custom, params: rule });
}

/** Optional in the JSON: absent or null (kubectl sends `creationTimestamp: null` and the like). */
export function opt<T extends z.ZodTypeAny>(schema: T): z.ZodOptional<z.ZodNullable<T>> {
  return schema.nullish();
}

export const str = (): z.ZodString => z.string();
export const bool = (): z.ZodBoolean => z.boolean();
export const int = (): z.ZodNumber => z.number().int();
export const stringMap = (): z.ZodRecord<z.ZodString, z.ZodString> => z.record(z.string(), z.string());
export const strings = (): z.ZodArray<z.ZodString> => z.array(z.string());
/** An object whose fields this layer does not check (status, opaque sub-objects). */
export const anyObject = (): z.ZodRecord<z.ZodString, z.ZodUnknown> => z.record(z.string(), z.unknown());

/** A string that must be present and non-empty; each `check` message becomes an Invalid error. */
export function requiredString(check?: (v: string) => string[]): z.ZodEffects<z.ZodString> {
  return z.string().superRefine((v, ctx) => {
    if (v === "") addRule(ctx, { rule: "required" });
    else for (const detail of check?.(v) ?? []) addRule(ctx, { rule: "invalid", detail });
  });
}

/** A string checked only when non-empty. */
export function formatted(check: (v: string) => string[]): z.ZodEffects<z.ZodString> {
  return z.string().superRefine((v, ctx) => {
    if (v !== "") for (const detail of check(v)) addRule(ctx, { rule: "invalid", detail });
  });
}

/** One of `values`; "" counts as missing, as in Kubernetes' switch statements. */
export function oneOf(values: readonly string[]): z.ZodEffects<z.ZodString> {
  return z.string().superRefine((v, ctx) => {
    if (v === "") addRule(ctx, { rule: "required" });
    else if (!values.includes(v)) addRule(ctx, { rule: "notSupported", values });
  });
}

export function nonNegative(): z.ZodEffects<z.ZodNumber> {
  return int().superRefine((v, ctx) => {
    if (v < 0) addRule(ctx, { rule: "invalid", detail: IS_NEGATIVE_ERROR });
  });
}

export function portNumber(): z.ZodEffects<z.ZodNumber> {
  return int().superRefine((v, ctx) => {
    for (const detail of isValidPortNum(v)) addRule(ctx, { rule: "invalid", detail });
  });
}

/** Kubernetes' IntOrString: an integer or a string; the value rules belong to the field. */
export function intOrString(): z.ZodEffects<z.ZodUnknown> {
  return z.unknown().superRefine((v, ctx) => {
    if (!(typeof v === "string" || (typeof v === "number" && Number.isInteger(v)))) {
      addRule(ctx, { rule: "type", detail: "must be an integer or a string" });
    }
  });
}

export interface ShapeResult {
  errors: FieldError[];
  /** Some value had the wrong JSON type, so the object cannot be read as its TypeScript type. */
  malformed: boolean;
}

/** Runs `schema` over `value` and turns its issues into field errors under `base`. */
export function checkShape(schema: z.ZodTypeAny, value: unknown, base = ""): ShapeResult {
  const result = schema.safeParse(value);
  if (result.success) return { errors: [], malformed: false };
  let malformed = false;
  const errors = result.error.issues.map((issue) => {
    const path = formatPath(schema, issue.path, base);
    const bad = valueAt(value, issue.path);
    const params = issue.code === z.ZodIssueCode.custom ? (issue.params as Rule | undefined) : undefined;
    if (params !== undefined) {
      if (params.rule === "type") malformed = true;
      return ruleError(params, path, bad);
    }
    if (issue.code === z.ZodIssueCode.invalid_type) {
      if (issue.received === "undefined" || issue.received === "null") return required(path);
      malformed = true;
      return invalidValue(path, bad, `must be of type ${issue.expected}`);
    }
    malformed = true;
    return invalidValue(path, bad, issue.message);
  });
  return { errors, malformed };
}

function ruleError(rule: Rule, path: string, value: unknown): FieldError {
  switch (rule.rule) {
    case "required":
      return required(path, rule.detail);
    case "notSupported":
      return notSupported(path, value, [...rule.values]);
    case "forbidden":
      return forbiddenField(path, rule.detail);
    case "invalid":
    case "type":
      return invalidValue(path, value, rule.detail);
  }
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v == null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** Renders a zod issue path, walking the schema so map keys print as `[key]`, fields as `.name`. */
export function formatPath(schema: z.ZodTypeAny, path: readonly (string | number)[], base = ""): string {
  let out = base;
  let s: z.ZodTypeAny | undefined = schema;
  for (const seg of path) {
    s = s === undefined ? undefined : unwrap(s);
    if (typeof seg === "number") {
      out = index(out, seg);
      s = s instanceof z.ZodArray ? (s.element as z.ZodTypeAny) : undefined;
    } else if (s instanceof z.ZodRecord) {
      out = key(out, seg);
      s = s.valueSchema as z.ZodTypeAny;
    } else {
      out = child(out, seg);
      s = s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodTypeAny>)[seg] : undefined;
    }
  }
  return out;
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodTypeAny;
    else if (s instanceof z.ZodEffects) s = s.innerType() as z.ZodTypeAny;
    else if (s instanceof z.ZodLazy) s = s.schema as z.ZodTypeAny;
    else return s;
  }
}
