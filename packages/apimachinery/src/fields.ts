/**
 * Field selectors (`?fieldSelector=`), after k8s.io/apimachinery/pkg/fields:
 * comma-separated `field=value`, `field==value` or `field!=value` terms, all of
 * which must hold. Values may escape `\`, `,` and `=` with a backslash; field
 * names are taken verbatim (no trimming), as Kubernetes does.
 */
import { SelectorParseError } from "./labels.js";

export interface FieldRequirement {
  readonly field: string;
  /** "==" is folded into "=", as Kubernetes' Requirements() reports it. */
  readonly operator: "=" | "!=";
  readonly value: string;
}

export interface FieldSelector {
  /** A missing field counts as the empty string. */
  matches(fields: Readonly<Record<string, string>>): boolean;
  empty(): boolean;
  /** Canonical form with values escaped: `spec.nodeName=a,status.phase!=Running`. */
  toString(): string;
  /** The value the selector pins `field` to with = or ==, if any (e.g. to look up by spec.nodeName). */
  requiresExactMatch(field: string): string | undefined;
  readonly requirements: readonly FieldRequirement[];
}

/** fields.EscapeValue: makes an arbitrary string safe as a selector value. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.UnescapeValue; throws on a bad escape or an unescaped `,` or `=`. */
export function unescapeFieldValue(value: string): string {
  if (!/[\\,=]/.test(value)) return value;
  let out = "";
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=") {
        throw new SelectorParseError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === "\\") {
      inSlash = true;
    } else if (c === "," || c === "=") {
      // Go prints the rune with %v, i.e. as its number.
      throw new SelectorParseError(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0)}`,
      );
    } else {
      out += c;
    }
  }
  if (inSlash) throw new SelectorParseError("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Splits on commas that are not backslash-escaped; the escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector === "") return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector.charAt(i);
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const TERM_OPERATORS = ["!=", "==", "="] as const;

/** The first operator occurrence splits the term; "==" is tried before "=" so no "=" is left on the value. */
function splitTerm(
  term: string,
): { field: string; op: (typeof TERM_OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compile(requirements: FieldRequirement[]): FieldSelector {
  const reqs = Object.freeze(requirements);
  return Object.freeze({
    requirements: reqs,
    matches: (fields: Readonly<Record<string, string>>) =>
      reqs.every(
        (r) => ((Object.hasOwn(fields, r.field) ? fields[r.field] : "") === r.value) === (r.operator === "="),
      ),
    empty: () => reqs.length === 0,
    toString: () => reqs.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(","),
    requiresExactMatch: (field: string) => reqs.find((r) => r.operator === "=" && r.field === field)?.value,
  });
}

const EVERYTHING = compile([]);

/** The selector that matches everything. */
export function everythingFields(): FieldSelector {
  return EVERYTHING;
}

/**
 * Parses `?fieldSelector=`. "" is the empty selector. Throws
 * SelectorParseError with Kubernetes' message when a term has no operator or a
 * value is badly escaped.
 */
export function parseFieldSelector(text: string): FieldSelector {
  // Kubernetes sorts the terms first, so errors name the first bad term in that order.
  const parts = splitTerms(text).sort(byteOrder);
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const term = splitTerm(part);
    if (!term) throw new SelectorParseError(`invalid selector: '${text}'; can't understand '${part}'`);
    const value = unescapeFieldValue(term.rhs);
    // An empty field with an empty value ("=") selects everything, as Kubernetes' Transform drops it.
    if (term.field === "" && value === "") continue;
    requirements.push({ field: term.field, operator: term.op === "!=" ? "!=" : "=", value });
  }
  return requirements.length === 0 ? EVERYTHING : compile(requirements);
}

/** fields.SelectorFromSet: field=value for each entry. */
export function fieldSelectorFromSet(set: Readonly<Record<string, string>> | undefined): FieldSelector {
  return compile(
    Object.entries(set ?? {}).map(([field, value]) => ({ field, operator: "=" as const, value })),
  );
}
