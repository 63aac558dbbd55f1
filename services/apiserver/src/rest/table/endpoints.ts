/** `kubectl get endpoints`: printEndpoints and formatEndpoints in Kubernetes' printers.go. */
import type { Endpoints } from "@ktl/api";
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, nameOf, printer } from "./columns.js";
import type { PrintedRow } from "./types.js";

const COLUMNS = [
  NAME_COLUMN,
  column(
    "Endpoints",
    "string",
    "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share.",
  ),
  AGE_COLUMN,
];

/** How many addresses are listed before " + N more...". */
const MAX_SHOWN = 3;

/** net.JoinHostPort: IPv6 hosts go in brackets. */
const joinHostPort = (host: string, port: number): string =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;

/**
 * Ready addresses only, as ip:port for every port of each subset (bare IPs for
 * a subset without ports), the first three shown and the rest counted.
 */
export function formatEndpoints(endpoints: Endpoints): string {
  const subsets = endpoints.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  let more = false;
  let count = 0;
  const add = (text: string): boolean => {
    if (list.length === MAX_SHOWN) {
      more = true;
      return false;
    }
    list.push(text);
    return true;
  };
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const address of addresses) if (!add(address.ip ?? "")) break;
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const address of addresses) if (!add(joinHostPort(address.ip ?? "", port.port ?? 0))) break;
    }
  }
  const text = list.join(",");
  return more ? `${text} + ${count - MAX_SHOWN} more...` : text;
}

function print(endpoints: Endpoints, now: Date): PrintedRow {
  return { cells: [nameOf(endpoints), formatEndpoints(endpoints), ageOf(endpoints, now)] };
}

export const endpointsPrinter = printer<Endpoints>({ columns: COLUMNS, print });
