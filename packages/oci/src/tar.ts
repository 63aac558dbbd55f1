/**
 * A small, deterministic tar writer (POSIX ustar, with pax extended headers
 * for what ustar cannot hold: long paths and link targets, big sizes). Image
 * layers must hash the same every time they are built, so entries are sorted
 * and timestamps and owners are fixed unless given.
 */
import { posix } from "node:path";

interface EntryBase {
  /** Path inside the archive, e.g. "bin/sh"; a leading "/" or "./" is dropped. */
  readonly path: string;
  /** Permission bits (including setuid/setgid/sticky), e.g. 0o755. */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Seconds since the epoch; defaults to the archive's mtime. */
  readonly mtime?: number;
  readonly uname?: string;
  readonly gname?: string;
}

export interface TarFile extends EntryBase {
  readonly type: "file";
  readonly data: Uint8Array | string;
}

export interface TarDirectory extends EntryBase {
  readonly type: "directory";
}

export interface TarSymlink extends EntryBase {
  readonly type: "symlink";
  /** The link's target, as stored (relative or absolute). */
  readonly target: string;
}

export interface TarHardlink extends EntryBase {
  readonly type: "hardlink";
  /** Path of an earlier entry in the same archive. */
  readonly target: string;
}

export type TarEntry = TarFile | TarDirectory | TarSymlink | TarHardlink;

export interface TarOptions {
  /** mtime for entries without one, in seconds (default 0: the epoch). */
  readonly mtime?: number;
  /** Sort entries by path (default true), so input order does not change the digest. */
  readonly sort?: boolean;
  /** Add missing parent directories (mode 0755) (default true). */
  readonly parents?: boolean;
}

const BLOCK = 512;
const TYPEFLAG = { file: "0", hardlink: "1", symlink: "2", directory: "5" } as const;
const DEFAULT_MODE = { file: 0o644, hardlink: 0o644, symlink: 0o777, directory: 0o755 } as const;
/** The largest value an 11-digit octal field holds (8 GiB - 1 for sizes). */
const MAX_OCTAL_11 = 0o77777777777;

/** "./a//b/" → "a/b": archive paths are relative and clean. */
export function normalizeTarPath(path: string): string {
  const normal = posix.normalize(`/${path}`).slice(1).replace(/\/+$/, "");
  if (normal === "" || normal === ".") throw new Error(`invalid tar path ${JSON.stringify(path)}`);
  return normal;
}

/** Builds a complete tar archive (ending with its two zero blocks) in memory. */
export function createTar(entries: readonly TarEntry[], options: TarOptions = {}): Buffer {
  const mtime = options.mtime ?? 0;
  const byPath = new Map<string, TarEntry>();
  for (const entry of entries) {
    const path = normalizeTarPath(entry.path);
    if (byPath.has(path)) throw new Error(`duplicate tar entry ${path}`);
    byPath.set(path, { ...entry, path });
  }
  if (options.parents ?? true) {
    for (const path of [...byPath.keys()]) {
      for (let dir = posix.dirname(path); dir !== "."; dir = posix.dirname(dir)) {
        if (!byPath.has(dir)) byPath.set(dir, { type: "directory", path: dir, mode: 0o755 });
      }
    }
  }
  let ordered = [...byPath.values()];
  if (options.sort ?? true) {
    // A parent's path is a prefix of its children's, so it sorts first; hard
    // links go last so that their targets are always already written.
    const rank = (e: TarEntry) => (e.type === "hardlink" ? 1 : 0);
    ordered = ordered.sort((a, b) => rank(a) - rank(b) || compareBytes(a.path, b.path));
  }
  const chunks: Buffer[] = [];
  for (const entry of ordered) chunks.push(...encodeEntry(entry, mtime));
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function encodeEntry(entry: TarEntry, defaultMtime: number): Buffer[] {
  const isDir = entry.type === "directory";
  const name = isDir ? `${entry.path}/` : entry.path;
  const data =
    entry.type === "file"
      ? typeof entry.data === "string"
        ? Buffer.from(entry.data)
        : Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength)
      : Buffer.alloc(0);
  const linkname = entry.type === "symlink" || entry.type === "hardlink" ? entry.target : "";
  const mtime = entry.mtime ?? defaultMtime;

  const pax: [string, string][] = [];
  if (Buffer.byteLength(name) > 100 || !isAscii(name)) pax.push(["path", name]);
  if (Buffer.byteLength(linkname) > 100 || !isAscii(linkname)) pax.push(["linkpath", linkname]);
  if (data.length > MAX_OCTAL_11) pax.push(["size", String(data.length)]);

  const out: Buffer[] = [];
  if (pax.length > 0) {
    const body = encodePaxRecords(pax);
    out.push(
      header({
        name: truncate(`PaxHeaders/${posix.basename(entry.path)}`, 100),
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: body.length,
        mtime,
        typeflag: "x",
        linkname: "",
        uname: "",
        gname: "",
      }),
      padded(body),
    );
  }
  out.push(
    header({
      name: truncate(name, 100),
      mode: (entry.mode ?? DEFAULT_MODE[entry.type]) & 0o7777,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      size: Math.min(data.length, MAX_OCTAL_11),
      mtime,
      typeflag: TYPEFLAG[entry.type],
      linkname: truncate(linkname, 100),
      uname: entry.uname ?? "",
      gname: entry.gname ?? "",
    }),
  );
  if (data.length > 0) out.push(padded(data));
  return out;
}

interface Header {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
}

function header(h: Header): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(h.name, 0, 100, "utf8");
  writeOctal(block, h.mode, 100, 8);
  writeOctal(block, h.uid, 108, 8);
  writeOctal(block, h.gid, 116, 8);
  writeOctal(block, h.size, 124, 12);
  writeOctal(block, h.mtime, 136, 12);
  block.write(h.typeflag, 156, 1, "ascii");
  block.write(h.linkname, 157, 100, "utf8");
  block.write("ustar\u000000", 257, 8, "ascii");
  block.write(h.uname, 265, 32, "utf8");
  block.write(h.gname, 297, 32, "utf8");
  writeOctal(block, 0, 329, 8);
  writeOctal(block, 0, 337, 8);
  // The checksum is computed with its own field read as eight spaces.
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "ascii");
  return block;
}

/** Zero-padded octal digits followed by a NUL, filling the field. */
function writeOctal(block: Buffer, value: number, offset: number, length: number): void {
  if (!Number.isInteger(value) || value < 0) throw new Error(`tar: invalid numeric field ${value}`);
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`tar: ${value} does not fit in ${length - 1} octal digits`);
  block.write(`${digits.padStart(length - 1, "0")}\u0000`, offset, length, "ascii");
}

/** pax records are "<len> <key>=<value>\n" where <len> counts the whole record, itself included. */
function encodePaxRecords(records: readonly [string, string][]): Buffer {
  const parts = records.map(([key, value]) => {
    const rest = ` ${key}=${value}\n`;
    const restLength = Buffer.byteLength(rest);
    let length = restLength + 1;
    while (String(length).length + restLength !== length) length = String(length).length + restLength;
    return `${length}${rest}`;
  });
  return Buffer.from(parts.join(""));
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}

/** Cuts to at most maxBytes of UTF-8 without splitting a character (pax carries the full value). */
function truncate(value: string, maxBytes: number): string {
  let out = value;
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}

function isAscii(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}
