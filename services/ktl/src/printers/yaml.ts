/**
 * `-o yaml` as kubectl writes it (go-yaml v2 through sigs.k8s.io/yaml): keys
 * sorted, sequences not indented under their key, strings that would read
 * back as another type ("8080", "true", timestamps, "") in double quotes,
 * other awkward strings in single quotes, multi-line strings as blocks.
 */
import { Document, isScalar, parse, Scalar, visit } from "yaml";
import { sortKeys } from "./sort-keys.js";

/** Whether go-yaml would read `s` back as something other than a string. */
function resolvesToNonString(s: string): boolean {
  if (s === "") return true;
  if (s.length > 64 || /[\n#{}[\],&*!|>'"%@`]/.test(s)) return false;
  try {
    const value: unknown = parse(s, { version: "1.1" });
    return value === null || typeof value === "number" || typeof value === "boolean" || value instanceof Date;
  } catch {
    return false;
  }
}

export function toYaml(value: unknown): string {
  const doc = new Document(sortKeys(value, "yaml"), { version: "1.1" });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === "string" && resolvesToNonString(node.value))
        node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0, singleQuote: true });
}
