/**
 * Resource quantities ("500m", "1Gi", "2e3"), parsed exactly enough to
 * validate them: sign, integrality and ordering. Values are kept as BigInt
 * nano-units so "1Ei" and "1n" compare without floating point loss.
 */

/** Kubernetes' message when a quantity does not parse at all. */
export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

const FORMAT = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Beyond this an exponent is surely a mistake, and 10^n would cost real time to build. */
const MAX_EXPONENT = 1000;
const NANO = 9;

export type QuantityResult = { ok: true; nano: bigint } | { ok: false; error: string };

export function parseQuantity(text: string): QuantityResult {
  const m = FORMAT.exec(text);
  const [, sign = "", whole = "", frac = "", suffix = ""] = m ?? [];
  if (m === null || whole.length + frac.length === 0) return { ok: false, error: QUANTITY_FORMAT_ERROR };
  let binaryShift = 0;
  let exponent = 0;
  if (suffix in BINARY) {
    binaryShift = BINARY[suffix] ?? 0;
  } else if (suffix in DECIMAL) {
    exponent = DECIMAL[suffix] ?? 0;
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    exponent = Number(suffix.slice(1));
    if (Math.abs(exponent) > MAX_EXPONENT) return { ok: false, error: QUANTITY_SUFFIX_ERROR };
  } else {
    return { ok: false, error: QUANTITY_SUFFIX_ERROR };
  }
  let numerator = BigInt(whole + frac || "0") << BigInt(binaryShift);
  let denominator = 10n ** BigInt(frac.length);
  const scale = exponent + NANO;
  if (scale >= 0) numerator *= 10n ** BigInt(scale);
  else denominator *= 10n ** BigInt(-scale);
  // Precision finer than a nano-unit rounds up, as Kubernetes does.
  let nano = numerator / denominator;
  if (numerator % denominator !== 0n) nano += 1n;
  return { ok: true, nano: sign === "-" ? -nano : nano };
}

/** True when the quantity is a whole number of units (no milli or nano part). */
export function isWholeUnits(nano: bigint): boolean {
  return nano % 10n ** BigInt(NANO) === 0n;
}
