/**
 * Image reference parsing, just enough to pick a container's default
 * imagePullPolicy the way the kubelet's parsers.ParseImageName does.
 */

/** Repository names must be lower case; anything else fails docker reference parsing. */
const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$/;

export interface ImageRef {
  /** The tag, "latest" when neither a tag nor a digest was given, "" when unparseable. */
  readonly tag: string;
  readonly digest: string;
}

export function parseImage(image: string): ImageRef {
  let rest = image;
  let digest = "";
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = "";
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  // A colon before the last slash is a registry port ("localhost:5000/app"), not a tag.
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!isValidName(rest)) return { tag: "", digest: "" };
  if (tag === "" && digest === "") tag = "latest";
  return { tag, digest };
}

function isValidName(name: string): boolean {
  if (name === "") return false;
  const parts = name.split("/");
  // The first component may be a registry host (has a dot or port, or is localhost).
  const first = parts[0] ?? "";
  const hasDomain = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const path = hasDomain ? parts.slice(1) : parts;
  return path.length > 0 && path.every((p) => NAME_COMPONENT.test(p));
}

/** Always for ":latest" (explicit or implied), IfNotPresent for anything else, digests included. */
export function defaultPullPolicy(image: string | undefined | null): string {
  return parseImage(image ?? "").tag === "latest" ? "Always" : "IfNotPresent";
}
