/**
 * kubectl's JSONPath templates (client-go util/jsonpath): literal text with
 * `{…}` expressions — `.a.b`, `['a.b']`, `[0]`, `[-1]`, `[1:3]`, `[*]`, `.*`,
 * `..name`, `[?(@.type=="Ready")]`, `{range …}…{end}`, `{"\n"}` — where
 * missing keys print nothing (as `kubectl get -o jsonpath` allows), several
 * results of one expression are joined with spaces, and maps and lists print
 * as compact JSON.
 */
import { CliError } from "../cli/errors.js";
import { sortKeys } from "./sort-keys.js";

type Segment =
  | { kind: "field"; name: string }
  | { kind: "wildcard" }
  | { kind: "recursive"; name: string | undefined }
  | { kind: "index"; start: number | undefined; end: number | undefined; single: boolean }
  | { kind: "filter"; left: Segment[]; op: string | undefined; right: unknown };

type Node =
  | { kind: "text"; text: string }
  | { kind: "path"; segments: Segment[] }
  | { kind: "range"; segments: Segment[]; body: Node[] };

export class JsonPath {
  private readonly nodes: Node[];

  constructor(readonly template: string) {
    this.nodes = parseTemplate(template);
  }

  /** Renders the template against `data`. */
  execute(data: unknown): string {
    return render(this.nodes, data, data);
  }

  /** The values of a single-expression template (custom-columns uses these). */
  values(data: unknown): unknown[] {
    const out: unknown[] = [];
    for (const node of this.nodes) {
      if (node.kind === "path") out.push(...evaluate(node.segments, data, data));
    }
    return out;
  }
}

function fail(template: string, message: string): never {
  throw new CliError(`error parsing jsonpath ${template}, ${message}`);
}

function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: { nodes: Node[]; range?: Node & { kind: "range" } }[] = [{ nodes: root }];
  let i = 0;
  const current = (): Node[] => stack.at(-1)?.nodes ?? root;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open < 0) {
      current().push({ kind: "text", text: template.slice(i) });
      break;
    }
    if (open > i) current().push({ kind: "text", text: template.slice(i, open) });
    const close = findClose(template, open);
    if (close < 0) fail(template, "unclosed action");
    const inner = template.slice(open + 1, close).trim();
    i = close + 1;
    if (inner === "end") {
      if (stack.length < 2) fail(template, "not in range, nothing to end");
      stack.pop();
      continue;
    }
    if (inner.startsWith("range ")) {
      const node: Node & { kind: "range" } = {
        kind: "range",
        segments: parsePath(inner.slice(6).trim(), template),
        body: [],
      };
      current().push(node);
      stack.push({ nodes: node.body, range: node });
      continue;
    }
    const literal = /^(["'])([\s\S]*)\1$/.exec(inner);
    if (literal) {
      current().push({ kind: "text", text: unescape(literal[2] ?? "") });
      continue;
    }
    current().push({ kind: "path", segments: parsePath(inner, template) });
  }
  if (stack.length > 1) fail(template, "unclosed range");
  return root;
}

/** The matching `}`, skipping quoted strings. */
function findClose(s: string, open: number): number {
  let quote = "";
  for (let i = open + 1; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "}") return i;
  }
  return -1;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
}

function parsePath(expr: string, template: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  if (expr.startsWith("$") || expr.startsWith("@")) i = 1;
  while (i < expr.length) {
    const c = expr[i];
    if (c === "." && expr[i + 1] === ".") {
      i += 2;
      const m = /^[\w-]*/.exec(expr.slice(i));
      const name = m?.[0] ?? "";
      segments.push({ kind: "recursive", name: name || undefined });
      i += name.length;
    } else if (c === ".") {
      i++;
      if (expr[i] === "*") {
        segments.push({ kind: "wildcard" });
        i++;
        continue;
      }
      let name = "";
      while (i < expr.length && !".[".includes(expr[i] ?? "")) {
        if (expr[i] === "\\" && i + 1 < expr.length) i++;
        name += expr[i];
        i++;
      }
      if (name) segments.push({ kind: "field", name });
    } else if (c === "[") {
      const close = findBracket(expr, i);
      if (close < 0) fail(template, `unterminated array`);
      segments.push(parseBracket(expr.slice(i + 1, close).trim(), template));
      i = close + 1;
    } else {
      // A bare first field: `{metadata.name}` is read as `{.metadata.name}`.
      let name = "";
      while (i < expr.length && !".[".includes(expr[i] ?? "")) name += expr[i++];
      if (name.trim()) segments.push({ kind: "field", name: name.trim() });
    }
  }
  return segments;
}

function findBracket(s: string, open: number): number {
  let depth = 0;
  let quote = "";
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return i;
  }
  return -1;
}

function parseBracket(inner: string, template: string): Segment {
  if (inner === "*") return { kind: "index", start: undefined, end: undefined, single: false };
  const quoted = /^(["'])(.*)\1$/.exec(inner);
  if (quoted) return { kind: "field", name: quoted[2] ?? "" };
  if (inner.startsWith("?(") && inner.endsWith(")")) {
    const body = inner.slice(2, -1).trim();
    const m = /^(@[^=!<>\s]*)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(body);
    if (!m) return { kind: "filter", left: parsePath(body, template), op: undefined, right: undefined };
    const raw = (m[3] ?? "").trim();
    const str = /^(["'])(.*)\1$/.exec(raw);
    const right: unknown = str ? str[2] : raw === "true" ? true : raw === "false" ? false : Number(raw);
    return { kind: "filter", left: parsePath(m[1] ?? "@", template), op: m[2], right };
  }
  const slice = /^(-?\d*)(?::(-?\d*))?$/.exec(inner);
  if (!slice) fail(template, `invalid array index ${inner}`);
  const start = slice[1] ? Number(slice[1]) : undefined;
  if (slice[2] === undefined) return { kind: "index", start, end: undefined, single: true };
  return { kind: "index", start, end: slice[2] ? Number(slice[2]) : undefined, single: false };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function evaluate(segments: readonly Segment[], root: unknown, cur: unknown): unknown[] {
  let values: unknown[] = [cur];
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const v of values) next.push(...step(seg, v, root));
    values = next;
  }
  return values;
}

function step(seg: Segment, v: unknown, root: unknown): unknown[] {
  switch (seg.kind) {
    case "field":
      return isObject(v) && seg.name in v ? [v[seg.name]] : [];
    case "wildcard":
      if (isObject(v))
        return Object.keys(v)
          .sort()
          .map((k) => v[k]);
      return Array.isArray(v) ? v : [];
    case "recursive":
      return recurse(v, seg.name);
    case "index": {
      if (!Array.isArray(v)) return [];
      const n = v.length;
      const norm = (i: number): number => (i < 0 ? Math.max(0, n + i) : Math.min(i, n));
      if (seg.single) {
        const i = seg.start ?? 0;
        const at = i < 0 ? n + i : i;
        return at >= 0 && at < n ? [v[at]] : [];
      }
      return v.slice(norm(seg.start ?? 0), seg.end === undefined ? n : norm(seg.end));
    }
    case "filter": {
      const items = Array.isArray(v) ? v : [];
      return items.filter((item) => {
        const left = evaluate(seg.left, root, item);
        if (seg.op === undefined) return left.length > 0;
        return left.some((l) => compare(l, seg.op ?? "==", seg.right));
      });
    }
  }
}

function compare(l: unknown, op: string, r: unknown): boolean {
  const a = typeof r === "number" && typeof l === "string" ? Number(l) : l;
  switch (op) {
    case "==":
      return a === r;
    case "!=":
      return a !== r;
    case "<":
      return (a as number) < (r as number);
    case ">":
      return (a as number) > (r as number);
    case "<=":
      return (a as number) <= (r as number);
    default:
      return (a as number) >= (r as number);
  }
}

function recurse(v: unknown, name: string | undefined): unknown[] {
  const out: unknown[] = [];
  const visit = (x: unknown): void => {
    if (isObject(x)) {
      if (name === undefined) out.push(x);
      else if (name in x) out.push(x[name]);
      for (const k of Object.keys(x).sort()) visit(x[k]);
    } else if (Array.isArray(x)) x.forEach(visit);
  };
  visit(v);
  return out;
}

/** How one value prints: strings raw, maps and lists as compact JSON. */
export function valueText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return v === null ? "null" : "";
  if (typeof v === "object") return JSON.stringify(sortKeys(v, "json"));
  return typeof v === "number" || typeof v === "boolean" ? String(v) : "";
}

function render(nodes: readonly Node[], root: unknown, cur: unknown): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else if (node.kind === "path") out += evaluate(node.segments, root, cur).map(valueText).join(" ");
    else {
      let items = evaluate(node.segments, root, cur);
      if (items.length === 1 && Array.isArray(items[0])) items = items[0];
      for (const item of items) out += render(node.body, root, item);
    }
  }
  return out;
}

/** custom-columns' relaxed form: `.metadata.name` or `metadata.name` means `{.metadata.name}`. */
export function relaxedJsonPath(expr: string): string {
  const trimmed = expr.trim();
  if (trimmed.startsWith("{") && trimmed.endsWith("}")) return trimmed;
  return `{${trimmed.startsWith(".") || trimmed.startsWith("$") ? trimmed : `.${trimmed}`}}`;
}
