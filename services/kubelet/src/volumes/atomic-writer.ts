import { randomBytes } from "node:crypto";
import {
  chmod,
  mkdir,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";

/** One file of a projected volume: its path inside the volume, content and mode. */
export interface ProjectedFile {
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

const DATA_LINK = "..data";

/**
 * Writes a ConfigMap-style volume the way the kubelet's AtomicWriter does, so
 * a container never sees a half-updated set of files: the files go into a
 * fresh timestamped directory, `..data` is switched to it by renaming a
 * symlink over it, and each top-level entry is a symlink through `..data`.
 * Returns false when the volume already holds exactly `files`. Paths must be
 * relative and must not contain `..` (the API validates this).
 */
export async function writeAtomically(dir: string, files: readonly ProjectedFile[]): Promise<boolean> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const current = await readlink(join(dir, DATA_LINK)).catch(() => undefined);
  if (current !== undefined && (await sameContent(join(dir, current), files))) return false;

  const stamp = new Date().toISOString().replace(/[-:T]/g, "_").replace(/\..*$/, "");
  const version = `..${stamp}.${randomBytes(4).toString("hex")}`;
  const versionDir = join(dir, version);
  await mkdir(versionDir, { mode: 0o755 });
  for (const file of files) {
    const target = join(versionDir, file.path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, file.content);
    await chmod(target, file.mode);
  }
  const tmpLink = join(dir, "..data_tmp");
  await rm(tmpLink, { force: true });
  await symlink(version, tmpLink);
  await rename(tmpLink, join(dir, DATA_LINK));

  const wanted = new Set(files.map((f) => f.path.split("/")[0] ?? ""));
  for (const top of wanted) {
    const link = join(dir, top);
    const existing = await readlink(link).catch(() => undefined);
    if (existing !== join(DATA_LINK, top)) {
      await rm(link, { force: true, recursive: true });
      await symlink(join(DATA_LINK, top), link);
    }
  }
  for (const entry of await readdir(dir)) {
    if (entry === DATA_LINK || entry === version || wanted.has(entry)) continue;
    await rm(join(dir, entry), { force: true, recursive: true });
  }
  return true;
}

async function sameContent(versionDir: string, files: readonly ProjectedFile[]): Promise<boolean> {
  try {
    const listed = await listFiles(versionDir, "");
    if (listed.length !== files.length) return false;
    for (const file of files) {
      const path = join(versionDir, file.path);
      const [content, info] = await Promise.all([readFile(path), stat(path)]);
      if (!content.equals(file.content) || (info.mode & 0o777) !== file.mode) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function listFiles(dir: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}
