/**
 * Reads a tar archive held in memory: ustar (with its name prefix), pax
 * extended headers and GNU long names, which covers what `docker save`,
 * containerd's export and GNU tar write. File contents are views into the
 * archive's buffer, not copies.
 */
import { normalizeTarPath } from "./tar.js";

export interface TarReadEntry {
  readonly type: "file" | "directory" | "symlink" | "hardlink" | "other";
  /** Normalized: no leading "./" or "/", no trailing "/". */
  readonly path: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  /** Target of a symlink or hard link. */
  readonly linkname: string;
  readonly data: Buffer;
}

const BLOCK = 512;

export function readTar(archive: Buffer): TarReadEntry[] {
  const entries: TarReadEntry[] = [];
  let offset = 0;
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) break;
    verifyChecksum(block, offset);
    const typeflag = String.fromCharCode(block[156] ?? 0);
    const size = pax.size !== undefined ? Number(pax.size) : readNumber(block, 124, 12);
    const dataStart = offset + BLOCK;
    if (dataStart + size > archive.length) throw new Error(`tar: entry at ${offset} is truncated`);
    const data = archive.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === "x") {
      pax = { ...pax, ...parsePax(data) };
      continue;
    }
    if (typeflag === "g") {
      globalPax = { ...globalPax, ...parsePax(data) };
      continue;
    }
    if (typeflag === "L") {
      longName = cString(data);
      continue;
    }
    if (typeflag === "K") {
      longLink = cString(data);
      continue;
    }
    const attrs = { ...globalPax, ...pax };
    const prefix = readString(block, 345, 155);
    const rawName =
      longName ??
      attrs.path ??
      (prefix ? `${prefix}/${readString(block, 0, 100)}` : readString(block, 0, 100));
    const linkname = longLink ?? attrs.linkpath ?? readString(block, 157, 100);
    pax = {};
    longName = undefined;
    longLink = undefined;
    const path = rawName.replace(/^(\.\/)+/, "");
    if (path === "" || path === "." || path === "./") continue; // the archive root itself
    entries.push({
      type: entryType(typeflag, rawName),
      path: normalizeTarPath(path),
      mode: readNumber(block, 100, 8),
      uid: attrs.uid !== undefined ? Number(attrs.uid) : readNumber(block, 108, 8),
      gid: attrs.gid !== undefined ? Number(attrs.gid) : readNumber(block, 116, 8),
      mtime: attrs.mtime !== undefined ? Math.floor(Number(attrs.mtime)) : readNumber(block, 136, 12),
      linkname,
      data,
    });
  }
  return entries;
}

function entryType(typeflag: string, name: string): TarReadEntry["type"] {
  switch (typeflag) {
    case "0":
    case "\u0000":
    case "7":
      // Old archives mark directories only by the trailing slash.
      return name.endsWith("/") ? "directory" : "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
      return "directory";
    default:
      return "other";
  }
}

function verifyChecksum(block: Buffer, offset: number): void {
  const stored = readNumber(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  if (sum !== stored) throw new Error(`tar: bad header checksum at offset ${offset} (not a tar archive?)`);
}

function readString(block: Buffer, offset: number, length: number): string {
  return cString(block.subarray(offset, offset + length));
}

function cString(data: Buffer): string {
  const end = data.indexOf(0);
  return data.subarray(0, end < 0 ? data.length : end).toString("utf8");
}

/** Octal (NUL/space terminated), or GNU base-256 when the high bit is set. */
function readNumber(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = field
    .toString("ascii")
    .replace(/[\0 ]+$/, "")
    .trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = parseInt(data.subarray(offset, space).toString("ascii"), 10);
    if (!Number.isFinite(length) || length <= 0) throw new Error("tar: malformed pax header");
    const record = data.subarray(space + 1, offset + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    offset += length;
  }
  return out;
}
