/**
 * String format checks from k8s.io/apimachinery/pkg/util/validation and the
 * field errors of its field package, with Kubernetes' messages word for word:
 * clients and tests match on them, so the double spaces in the examples
 * ("'MyName',  or 'my.name'") are deliberate. Each format check returns a list
 * of messages, empty when the value is valid.
 */

const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX_LENGTH = 63;
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
export const LABEL_VALUE_MAX_LENGTH = 63;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123_LABEL_MAX_LENGTH = 63;
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

/** Go measures strings in bytes; the limits above are byte counts. */
function byteLength(value: string): number {
  return Buffer.byteLength(value, "utf8");
}

/** validation.MaxLenError */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** validation.EmptyError */
export function emptyError(): string {
  return "must be non-empty";
}

/** validation.RegexError: the message, examples and the regex the value failed. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  // Go appends "'x', " per example and joins with " or ", hence the double spaces.
  const shown = examples.map((e) => `'${e}', `).join(" or ");
  return `${msg} (e.g. ${shown}regex used for validation is '${fmt}')`;
}

/** validation.InclusiveRangeError */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/**
 * A "qualified name" (label and annotation keys, finalizers): an optional DNS
 * subdomain prefix and "/", then a name of at most 63 characters.
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? "";
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else errs.push(...isDNS1123Subdomain(prefix).map((msg) => `prefix part ${msg}`));
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH)
    errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX_LENGTH)}`);
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push(
      `name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")}`,
    );
  }
  return errs;
}

/** A label value: empty, or up to 63 characters of the qualified-name charset. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!LABEL_VALUE_RE.test(value))
    errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
  return errs;
}

/** An RFC 1123 label (namespace names, container names): no dots, at most 63 characters. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1123_LABEL_RE.test(value)) {
    // A valid subdomain that is not a valid label can only be failing on its dots.
    if (DNS1123_SUBDOMAIN_RE.test(value)) errs.push("must not contain dots");
    else errs.push(regexError(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "my-name", "123-abc"));
  }
  return errs;
}

/** An RFC 1123 subdomain (most object names): dot-separated labels, at most 253 characters. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!DNS1123_SUBDOMAIN_RE.test(value))
    errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"));
  return errs;
}

// ---------------------------------------------------------------------------
// Field errors (pkg/util/validation/field): what validation returns and what
// a 422 Invalid Status lists as its causes.

export type FieldErrorType =
  | "FieldValueNotFound"
  | "FieldValueRequired"
  | "FieldValueDuplicate"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueTypeInvalid"
  | "InternalError";

/** A validation failure at a JSON path such as `spec.containers[0].image`. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  badValue?: unknown;
  detail?: string;
}

const FIELD_ERROR_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: "Not found",
  FieldValueRequired: "Required value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  FieldValueTypeInvalid: "Invalid value",
  InternalError: "Internal error",
};

/** Types whose message never shows the value (it is absent, or too long to echo). */
const VALUE_NOT_SHOWN = new Set<FieldErrorType>([
  "FieldValueRequired",
  "FieldValueForbidden",
  "FieldValueTooLong",
  "InternalError",
]);

/** badValue for errors that have a value but should not print it (field.omitValue). */
export const OMIT_VALUE: unique symbol = Symbol("omitValue");

export function required(field: string, detail?: string): FieldError {
  return { type: "FieldValueRequired", field, badValue: "", detail };
}

export function invalidValue(field: string, value: unknown, detail?: string): FieldError {
  return { type: "FieldValueInvalid", field, badValue: value, detail };
}

export function notSupported(field: string, value: unknown, validValues: readonly string[]): FieldError {
  const detail =
    validValues.length > 0 ? `supported values: ${validValues.map(goQuote).join(", ")}` : undefined;
  return { type: "FieldValueNotSupported", field, badValue: value, detail };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: "FieldValueDuplicate", field, badValue: value };
}

export function fieldNotFound(field: string, value: unknown): FieldError {
  return { type: "FieldValueNotFound", field, badValue: value };
}

export function forbiddenField(field: string, detail: string): FieldError {
  return { type: "FieldValueForbidden", field, badValue: "", detail };
}

/** The value is not echoed back; maxLength < 0 means the limit is not stated. */
export function tooLong(field: string, _value: unknown, maxLength: number): FieldError {
  const detail =
    maxLength >= 0
      ? `may not be more than ${maxLength} ${maxLength === 1 ? "byte" : "bytes"}`
      : "value is too long";
  return { type: "FieldValueTooLong", field, badValue: "<value omitted>", detail };
}

export function tooMany(field: string, actualQuantity: number, maxQuantity: number): FieldError {
  const detail =
    maxQuantity >= 0
      ? `must have at most ${maxQuantity} ${maxQuantity === 1 ? "item" : "items"}`
      : "has too many items";
  return {
    type: "FieldValueTooMany",
    field,
    badValue: actualQuantity >= 0 ? actualQuantity : OMIT_VALUE,
    detail,
  };
}

/** field.Error.ErrorBody: the message without the field path, as Status causes carry it. */
export function fieldErrorBody(e: FieldError): string {
  let s = FIELD_ERROR_TEXT[e.type];
  if (!VALUE_NOT_SHOWN.has(e.type) && e.badValue !== OMIT_VALUE) s += `: ${formatValue(e.badValue)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** field.Error.Error: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`. */
export function fieldErrorMessage(e: FieldError): string {
  return `${fieldPathString(e.field)}: ${fieldErrorBody(e)}`;
}

/** How a path prints: an empty one as "[]", as Go's field.NewPath("") does (e.g. ConfigMap size errors). */
export function fieldPathString(field: string): string {
  return field === "" ? "[]" : field;
}

/**
 * utilerrors.Aggregate's Error(): duplicates dropped, one message alone,
 * several as "[a, b]".
 */
export function aggregateMessages(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? "") : unique.length === 0 ? "" : `[${unique.join(", ")}]`;
}

/** Go's %v for a bad value: numbers and booleans bare, strings %q, anything else as JSON. */
function formatValue(value: unknown): string {
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  try {
    // encoding/json escapes <, > and & for HTML safety.
    const json = JSON.stringify(value) ?? "null";
    return json.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  } catch {
    return String(value);
  }
}

const GO_ESCAPES: Record<string, string> = {
  "\u0007": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  "\\": "\\\\",
  '"': '\\"',
};

/** Go's strconv.Quote (the %q verb): printable characters kept, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const escaped = GO_ESCAPES[ch];
    if (escaped !== undefined) out += escaped;
    else if (ch === " " || !/[\p{C}\p{Z}]/u.test(ch)) out += ch;
    else out += escapeCodePoint(ch.codePointAt(0) ?? 0);
  }
  return `${out}"`;
}

function escapeCodePoint(cp: number): string {
  if (cp < 0x80) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\U${cp.toString(16).padStart(8, "0")}`;
}
