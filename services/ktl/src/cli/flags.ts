/**
 * A small pflag-style parser, as kubectl's flags behave: `--name=value`,
 * `--name value`, `-n value`, `-nvalue`, `-n=value`, bundled short booleans
 * (`-wA`), `--flag=false` for booleans, `--` to end flags, and flags anywhere
 * among the positional arguments.
 */
import { UsageError } from "./errors.js";

export type FlagType = "bool" | "string" | "int" | "strings";

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: FlagType;
  readonly default?: string | number | boolean;
  readonly help: string;
  /** Shown in usage as `--name=VALUE` hint. */
  readonly value?: string;
  /** pflag's NoOptDefVal: the value of a bare `--name` (which then takes no argument). */
  readonly noOptDefault?: string;
  /** The values it takes, for shell completion. */
  readonly values?: readonly string[];
}

type FlagValue = string | number | boolean | string[];

export class Flags {
  constructor(
    private readonly specs: ReadonlyMap<string, FlagSpec>,
    private readonly values: ReadonlyMap<string, FlagValue>,
    /** How many positionals came before `--` (-1: no `--`), as cobra's ArgsLenAtDash. */
    readonly argsLenAtDash = -1,
  ) {}

  /** Whether the flag was given on the command line. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string {
    const value = this.values.get(name) ?? this.spec(name).default;
    return typeof value === "string" ? value : "";
  }

  bool(name: string): boolean {
    const value = this.values.get(name) ?? this.spec(name).default;
    return value === true;
  }

  int(name: string): number {
    const value = this.values.get(name) ?? this.spec(name).default;
    return typeof value === "number" ? value : 0;
  }

  /** Repeatable flags; every occurrence may also be a comma list. */
  strings(name: string): string[] {
    const value = this.values.get(name);
    return Array.isArray(value) ? value : [];
  }

  private spec(name: string): FlagSpec {
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`flag --${name} is not declared`);
    return spec;
  }
}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Flags;
}

function index(specs: readonly FlagSpec[]): { long: Map<string, FlagSpec>; short: Map<string, FlagSpec> } {
  const long = new Map<string, FlagSpec>();
  const short = new Map<string, FlagSpec>();
  for (const spec of specs) {
    long.set(spec.name, spec);
    if (spec.short) short.set(spec.short, spec);
  }
  return { long, short };
}

function convert(spec: FlagSpec, raw: string, shown: string): FlagValue {
  if (spec.type === "int") {
    if (!/^[-+]?\d+$/.test(raw))
      throw new UsageError(
        `invalid argument "${raw}" for "${shown}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`,
      );
    return Number.parseInt(raw, 10);
  }
  if (spec.type === "bool") {
    const parsed = parseBool(raw);
    if (parsed === undefined)
      throw new UsageError(
        `invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`,
      );
    return parsed;
  }
  return raw;
}

/** Go's strconv.ParseBool. */
function parseBool(raw: string): boolean | undefined {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(raw)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(raw)) return false;
  return undefined;
}

/** Parses `argv` against `specs`; throws UsageError with pflag's messages. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const { long, short } = index(specs);
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];
  let argsLenAtDash = -1;
  const set = (spec: FlagSpec, raw: string, shown: string): void => {
    const value = convert(spec, raw, shown);
    if (spec.type === "strings") {
      const list = (values.get(spec.name) as string[] | undefined) ?? [];
      list.push(...String(value).split(","));
      values.set(spec.name, list);
    } else {
      values.set(spec.name, value);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      argsLenAtDash = positionals.length;
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = long.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      if (eq >= 0) set(spec, arg.slice(eq + 1), `--${name}`);
      else if (spec.type === "bool") values.set(spec.name, true);
      else if (spec.noOptDefault !== undefined) set(spec, spec.noOptDefault, `--${name}`);
      else {
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`flag needs an argument: --${name}`);
        set(spec, next, `--${name}`);
        i++;
      }
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // A bundle of shorthands: booleans until one takes a value.
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] ?? "";
        const spec = short.get(letter);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${letter}' in ${arg}`);
        const shown = `-${letter}, --${spec.name}`;
        const rest = arg.slice(j + 1);
        if (spec.type === "bool") {
          if (rest.startsWith("=")) {
            set(spec, rest.slice(1), shown);
            break;
          }
          values.set(spec.name, true);
          continue;
        }
        if (rest !== "") set(spec, rest.startsWith("=") ? rest.slice(1) : rest, shown);
        else {
          const next = argv[i + 1];
          if (next === undefined) throw new UsageError(`flag needs an argument: '${letter}' in -${letter}`);
          set(spec, next, shown);
          i++;
        }
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { positionals, flags: new Flags(long, values, argsLenAtDash) };
}

/**
 * The leading positional words that may name a command, with their indices in
 * argv, given the flags that take a value (so `-n demo get pods` skips `demo`).
 */
export function leadingWords(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  max: number,
): { word: string; at: number }[] {
  const { long, short } = index(specs);
  const words: { word: string; at: number }[] = [];
  for (let i = 0; i < argv.length && words.length < max; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") break;
    if (arg.startsWith("--")) {
      const spec = long.get(arg.slice(2));
      if (!arg.includes("=") && spec && spec.type !== "bool" && spec.noOptDefault === undefined) i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      const spec = short.get(arg.slice(-1));
      if (arg.length === 2 && spec && spec.type !== "bool") i++;
      continue;
    }
    words.push({ word: arg, at: i });
  }
  return words;
}
