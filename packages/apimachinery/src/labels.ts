/**
 * Label selectors, after k8s.io/apimachinery/pkg/labels/selector.go: the
 * `?labelSelector=` string syntax (`a=b,c!=d,e in (f,g),!h,i>1`) and the
 * metav1.LabelSelector object form, compiled to a matcher. Parsing follows
 * Kubernetes token by token so that the same strings are accepted, the same
 * are rejected, and the error messages read the same.
 */
import {
  aggregateMessages,
  fieldErrorMessage,
  goQuote,
  invalidValue,
  isQualifiedName,
  isValidLabelValue,
  notSupported,
  type FieldError,
} from "./validation.js";

/** A selector string or LabelSelector that Kubernetes would reject. */
export class SelectorParseError extends Error {
  override readonly name = "SelectorParseError";
}

/** selection.Operator values, as Kubernetes spells them. */
export type Operator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

export interface LabelSelector {
  /** AND of all requirements; undefined labels are an empty set. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** True when the selector does not restrict anything. */
  empty(): boolean;
  /** The canonical string form (requirements sorted by key). */
  toString(): string;
  /** The value the selector pins `label` to with =, == or a one-value `in`, if any. */
  requiresExactMatch(label: string): string | undefined;
  readonly requirements: readonly Requirement[];
}

const BINARY_OPERATORS: readonly Operator[] = ["in", "notin", "=", "==", "!=", "gt", "lt"];
const VALID_OPERATORS: readonly Operator[] = [...BINARY_OPERATORS, "exists", "!"];

/** strconv.ParseInt(s, 10, 64) */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

interface CountRule {
  readonly ok: (count: number) => boolean;
  readonly detail: string;
}

const SET_RULE: CountRule = {
  ok: (n) => n > 0,
  detail: "for 'in', 'notin' operators, values set can't be empty",
};
const EXACT_RULE: CountRule = {
  ok: (n) => n === 1,
  detail: "exact-match compatibility requires one single value",
};
const UNARY_RULE: CountRule = {
  ok: (n) => n === 0,
  detail: "values set must be empty for exists and does not exist",
};
const ORDER_RULE: CountRule = {
  ok: (n) => n === 1,
  detail: "for 'Gt', 'Lt' operators, exactly one value is required",
};

/** How many values each operator takes, with NewRequirement's message when the count is wrong. */
const COUNT_RULES: Partial<Record<string, CountRule>> = {
  in: SET_RULE,
  notin: SET_RULE,
  "=": EXACT_RULE,
  "==": EXACT_RULE,
  "!=": EXACT_RULE,
  exists: UNARY_RULE,
  "!": UNARY_RULE,
  gt: ORDER_RULE,
  lt: ORDER_RULE,
};

/**
 * labels.NewRequirement: validates the key, the operator, the number of values
 * and each value. Throws SelectorParseError with Kubernetes' aggregated message.
 */
export function newRequirement(key: string, operator: Operator, values: readonly string[]): Requirement {
  const errs: FieldError[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(invalidValue("key", key, keyErrs.join("; ")));
  const rule = COUNT_RULES[operator];
  if (!rule) errs.push(notSupported("operator", operator, VALID_OPERATORS));
  // Go hands NewRequirement a nil slice for no values, which prints as null.
  else if (!rule.ok(values.length))
    errs.push(invalidValue("values", values.length === 0 ? null : values, rule.detail));
  if (rule === ORDER_RULE) {
    values.forEach((v, i) => {
      if (parseInt64(v) === undefined) {
        errs.push(invalidValue(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      }
    });
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) errs.push(invalidValue(`values[${i}][${key}]`, v, valueErrs.join("; ")));
  });
  if (errs.length > 0) throw new SelectorParseError(aggregateMessages(errs.map(fieldErrorMessage)));
  return { key, operator, values: [...values] };
}

/** Requirement.Matches */
export function requirementMatches(
  r: Requirement,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has ? (labels[r.key] ?? "") : "";
  switch (r.operator) {
    case "in":
    case "=":
    case "==":
      return has && r.values.includes(value);
    case "notin":
    case "!=":
      return !has || !r.values.includes(value);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || r.values.length !== 1) return false;
      const actual = parseInt64(value);
      const wanted = parseInt64(r.values[0] ?? "");
      if (actual === undefined || wanted === undefined) return false;
      return r.operator === "gt" ? actual > wanted : actual < wanted;
    }
  }
}

/** Requirement.String: values sorted on output, without reordering the requirement. */
export function requirementString(r: Requirement): string {
  if (r.operator === "exists") return r.key;
  if (r.operator === "!") return `!${r.key}`;
  const op = { "=": "=", "==": "==", "!=": "!=", in: " in ", notin: " notin ", gt: ">", lt: "<" }[r.operator];
  const values = r.values.length === 1 ? (r.values[0] ?? "") : [...r.values].sort(byteOrder).join(",");
  return r.operator === "in" || r.operator === "notin"
    ? `${r.key}${op}(${values})`
    : `${r.key}${op}${values}`;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compile(requirements: Requirement[]): LabelSelector {
  // Sorted by key for a deterministic string form; a stable sort keeps the
  // order of requirements on the same key.
  const sorted = Object.freeze([...requirements].sort((a, b) => byteOrder(a.key, b.key)));
  return Object.freeze({
    requirements: sorted,
    matches: (labels: Readonly<Record<string, string>> | undefined) =>
      sorted.every((r) => requirementMatches(r, labels)),
    empty: () => sorted.length === 0,
    toString: () => sorted.map(requirementString).join(","),
    requiresExactMatch: (label: string) => {
      const r = sorted.find((req) => req.key === label);
      const exact =
        r && (r.operator === "=" || r.operator === "==" || r.operator === "in") && r.values.length === 1;
      return exact ? r.values[0] : undefined;
    },
  });
}

const EVERYTHING = compile([]);

/** labels.Nothing: what a nil metav1.LabelSelector means. */
const NOTHING: LabelSelector = Object.freeze({
  requirements: Object.freeze([]),
  matches: () => false,
  empty: () => false,
  toString: () => "",
  requiresExactMatch: () => undefined,
});

/** The selector that matches every set of labels (the empty selector). */
export function everything(): LabelSelector {
  return EVERYTHING;
}

/** The selector that matches nothing. */
export function nothing(): LabelSelector {
  return NOTHING;
}

/** labels.SelectorFromSet: key=value for each entry, without validation. */
export function selectorFromSet(set: Readonly<Record<string, string>> | undefined): LabelSelector {
  const entries = Object.entries(set ?? {});
  return compile(entries.map(([key, value]) => ({ key, operator: "=" as const, values: [value] })));
}

// ---------------------------------------------------------------------------
// Lexer and parser for the string syntax (labels.Parse)

type Token = "eos" | ")" | "," | "!" | "==" | "=" | ">" | "id" | "in" | "<" | "!=" | "notin" | "(";

interface Item {
  readonly tok: Token;
  readonly lit: string;
}

const KEYWORDS = new Set<string>([")", ",", "!", "==", "=", ">", "in", "<", "!=", "notin", "("]);
const SPECIAL = new Set(["=", "!", "(", ")", ",", ">", "<"]);
const WHITESPACE = new Set([" ", "\t", "\r", "\n"]);

function tokenize(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && WHITESPACE.has(s.charAt(pos))) pos++;
    if (pos >= s.length) {
      items.push({ tok: "eos", lit: "" });
      return items;
    }
    const start = pos;
    if (SPECIAL.has(s.charAt(pos))) {
      // The longest run of special characters that is still an operator.
      let end = pos + 1;
      while (end < s.length && SPECIAL.has(s.charAt(end)) && KEYWORDS.has(s.slice(start, end + 1))) end++;
      pos = end;
    } else {
      while (pos < s.length && !SPECIAL.has(s.charAt(pos)) && !WHITESPACE.has(s.charAt(pos))) pos++;
    }
    const lit = s.slice(start, pos);
    items.push({ tok: KEYWORDS.has(lit) ? (lit as Token) : "id", lit });
  }
}

/**
 * Where `in` and `notin` may be plain values (`x in (in)`), as the Values
 * context of Kubernetes' parser; operators are read in the other context.
 */
type Context = "values" | "operator";

class Parser {
  private position = 0;

  constructor(private readonly items: Item[]) {}

  lookahead(context: Context = "values"): Item {
    return this.contextual(this.items[this.position], context);
  }

  consume(context: Context = "values"): Item {
    return this.contextual(this.items[this.position++], context);
  }

  private contextual(item: Item | undefined, context: Context): Item {
    const it = item ?? { tok: "eos", lit: "" };
    return context === "values" && (it.tok === "in" || it.tok === "notin") ? { tok: "id", lit: it.lit } : it;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead();
      if (tok === "eos") return requirements;
      if (tok !== "id" && tok !== "!")
        throw fail(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        requirements.push(this.parseRequirement());
      } catch (err) {
        throw err instanceof SelectorParseError ? fail(`unable to parse requirement: ${err.message}`) : err;
      }
      const next = this.consume();
      if (next.tok === "eos") return requirements;
      if (next.tok !== ",") throw fail(`found '${next.lit}', expected: ',' or 'end of string'`);
      const after = this.lookahead();
      if (after.tok !== "id" && after.tok !== "!")
        throw fail(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  private parseRequirement(): Requirement {
    let { tok, lit } = this.consume();
    const negated = tok === "!";
    if (negated) ({ tok, lit } = this.consume());
    if (tok !== "id") throw fail(`found '${lit}', expected: identifier`);
    const keyErrs = isQualifiedName(lit);
    // Kubernetes validates the key here with a nil field path, hence "<nil>".
    if (keyErrs.length > 0) throw fail(fieldErrorMessage(invalidValue("<nil>", lit, keyErrs.join("; "))));
    const key = lit;
    const next = this.lookahead().tok;
    if (negated) return newRequirement(key, "!", []);
    if (next === "eos" || next === ",") return newRequirement(key, "exists", []);
    const operator = this.parseOperator();
    const values = operator === "in" || operator === "notin" ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, operator, [...values].sort(byteOrder));
  }

  private parseOperator(): Operator {
    const { tok, lit } = this.consume("operator");
    const ops: Partial<Record<Token, Operator>> = {
      in: "in",
      "=": "=",
      "==": "==",
      ">": "gt",
      "<": "lt",
      notin: "notin",
      "!=": "!=",
    };
    const op = ops[tok];
    if (op === undefined) throw fail(`found '${lit}', expected: ${BINARY_OPERATORS.join(", ")}`);
    return op;
  }

  /** "(a,b,c)": a set, where empty entries are the empty value. */
  private parseValues(): Set<string> {
    const open = this.consume();
    if (open.tok !== "(") throw fail(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead();
    if (tok === ")") {
      this.consume();
      return new Set([""]);
    }
    if (tok !== "id" && tok !== ",") throw fail(`found '${lit}', expected: ',', ')' or identifier`);
    const values = this.parseIdentifiersList();
    // Kubernetes reports the literal seen before the list here, not the one found.
    if (this.consume().tok !== ")") throw fail(`found '${lit}', expected: ')'`);
    return values;
  }

  private parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume();
      if (tok === "id") {
        values.add(lit);
        const next = this.lookahead();
        if (next.tok === ")") return values;
        if (next.tok !== ",") throw fail(`found '${next.lit}', expected: ',' or ')'`);
      } else if (tok === ",") {
        // Leading, trailing and doubled commas stand for the empty value.
        if (values.size === 0) values.add("");
        const next = this.lookahead().tok;
        if (next === ")") {
          values.add("");
          return values;
        }
        if (next === ",") {
          this.consume();
          values.add("");
        }
      } else {
        throw fail(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead().tok;
    if (next === "eos" || next === ",") return new Set([""]);
    const { tok, lit } = this.consume();
    if (tok === "id") return new Set([lit]);
    throw fail(`found '${lit}', expected: identifier`);
  }
}

function fail(message: string): SelectorParseError {
  return new SelectorParseError(message);
}

/**
 * Parses the `?labelSelector=` syntax. "" is everything(). Throws
 * SelectorParseError with Kubernetes' message when the string is invalid.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements = new Parser(tokenize(text)).parse();
  return requirements.length === 0 ? EVERYTHING : compile(requirements);
}

/** The API object form (metav1.LabelSelector). */
export interface LabelSelectorObject {
  matchLabels?: Readonly<Record<string, string>> | null;
  matchExpressions?: readonly { key?: string; operator?: string; values?: readonly string[] | null }[] | null;
}

const EXPRESSION_OPERATORS: Readonly<Record<string, Operator>> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * metav1.LabelSelectorAsSelector: a missing selector matches nothing, an empty
 * one everything. Throws SelectorParseError for invalid keys, values or operators.
 */
export function selectorFromLabelSelector(sel: LabelSelectorObject | null | undefined): LabelSelector {
  if (sel == null) return NOTHING;
  const matchLabels = Object.entries(sel.matchLabels ?? {});
  const expressions = sel.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return EVERYTHING;
  const requirements = matchLabels.map(([key, value]) => newRequirement(key, "=", [value]));
  for (const expr of expressions) {
    const operator = EXPRESSION_OPERATORS[expr.operator ?? ""];
    if (operator === undefined) {
      throw new SelectorParseError(`${goQuote(expr.operator ?? "")} is not a valid label selector operator`);
    }
    requirements.push(newRequirement(expr.key ?? "", operator, expr.values ?? []));
  }
  return compile(requirements);
}
