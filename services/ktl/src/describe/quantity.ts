/**
 * Just enough of Kubernetes' resource.Quantity for describe's sums and
 * percentages: parse `100m`, `2`, `64Mi`, `1G`, `1e3`; add; print in the
 * first operand's format (`1100m`, `192Mi`).
 */
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

export interface Quantity {
  /** In base units (cores, bytes), kept in milli-units to stay exact. */
  readonly milli: number;
  readonly binary: boolean;
}

export const ZERO: Quantity = { milli: 0, binary: false };

export function parseQuantity(text: string | undefined): Quantity {
  if (!text) return ZERO;
  const m = /^([+-]?\d+(?:\.\d+)?)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(
    text.trim(),
  );
  if (!m) return ZERO;
  const n = Number(m[1]);
  if (m[2]) return { milli: Math.round(n * Number(`1${m[2]}`) * 1000), binary: false };
  const suffix = m[3] ?? "";
  if (suffix in BINARY) return { milli: Math.round(n * (BINARY[suffix] ?? 1) * 1000), binary: true };
  return { milli: Math.round(n * (DECIMAL[suffix] ?? 1) * 1000), binary: false };
}

export function addQuantity(a: Quantity, b: Quantity): Quantity {
  return { milli: a.milli + b.milli, binary: a.milli === 0 && a.binary === false ? b.binary : a.binary };
}

export function formatQuantity(q: Quantity): string {
  if (q.milli === 0) return "0";
  if (q.milli % 1000 !== 0) return `${q.milli}m`;
  const value = q.milli / 1000;
  if (q.binary) {
    for (const suffix of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"]) {
      const unit = BINARY[suffix] ?? 1;
      if (value >= unit && value % unit === 0) return `${value / unit}${suffix}`;
    }
    return String(value);
  }
  for (const suffix of ["E", "P", "T", "G", "M", "k"]) {
    const unit = DECIMAL[suffix] ?? 1;
    if (value >= unit && value % unit === 0) return `${value / unit}${suffix}`;
  }
  return String(value);
}

/** Whole percent of `part` in `total`, truncated as Go's int64() does. */
export function percent(part: Quantity, total: Quantity): number {
  return total.milli === 0 ? 0 : Math.trunc((part.milli / total.milli) * 100);
}
