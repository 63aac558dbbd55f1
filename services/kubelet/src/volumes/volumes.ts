import { chmod, lstat, mkdir, open, rm, stat } from "node:fs/promises";
import { isAbsolute, join, normalize } from "node:path";
import type { ConfigMap, Container, Pod, Volume } from "@ktl/api";
import { isNotFound } from "@ktl/apimachinery";
import type { Mount } from "@ktl/cri";
import { writeAtomically, type ProjectedFile } from "./atomic-writer.js";

/**
 * A volume could not be set up; the pod's containers are not started until it
 * can be (the kubelet's FailedMount: the pod stays ContainerCreating).
 */
export class VolumeError extends Error {
  override readonly name = "VolumeError";
}

export interface VolumeContext {
  readonly pod: Pod;
  /** The pods root: volumes go to <podsDir>/<uid>/volumes/<plugin>/<name>. */
  readonly podsDir: string;
  /** Reads a ConfigMap; rejects with a 404 StatusError when it does not exist. */
  readonly getConfigMap: (namespace: string, name: string) => Promise<ConfigMap>;
}

/** Where each of the pod's volumes is on the host, by volume name. */
export type PodVolumes = ReadonlyMap<string, { readonly hostPath: string; readonly readOnly: boolean }>;

/** The pod's own directory under the pods root. */
export function podDir(podsDir: string, uid: string): string {
  return join(podsDir, uid);
}

/**
 * Makes every volume of the pod available on the host (the volume manager's
 * job): emptyDir as a directory under the pod's dir (medium Memory too: no
 * tmpfs is mounted, the data lives on the node's disk), hostPath after its
 * type check, configMap as files written from the ConfigMap. Idempotent: run
 * on every sync, it only rewrites a configMap volume whose data changed.
 */
export async function setUpVolumes(ctx: VolumeContext): Promise<PodVolumes> {
  const uid = ctx.pod.metadata?.uid ?? "";
  const volumesDir = join(podDir(ctx.podsDir, uid), "volumes");
  const out = new Map<string, { hostPath: string; readOnly: boolean }>();
  for (const v of ctx.pod.spec?.volumes ?? []) {
    const name = v.name ?? "";
    try {
      out.set(name, await setUp(v, volumesDir, ctx));
    } catch (err) {
      const reason = err instanceof VolumeError ? err.message : (err as Error).message;
      throw new VolumeError(`MountVolume.SetUp failed for volume "${name}" : ${reason}`);
    }
  }
  return out;
}

async function setUp(
  v: Volume,
  volumesDir: string,
  ctx: VolumeContext,
): Promise<{ hostPath: string; readOnly: boolean }> {
  const name = v.name ?? "";
  if (v.emptyDir) {
    const dir = join(volumesDir, "kubernetes.io~empty-dir", name);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
    return { hostPath: dir, readOnly: false };
  }
  if (v.hostPath) {
    const path = v.hostPath.path ?? "";
    await checkHostPath(path, v.hostPath.type ?? "");
    return { hostPath: path, readOnly: false };
  }
  if (v.configMap) {
    const dir = join(volumesDir, "kubernetes.io~configmap", name);
    const files = await configMapFiles(v.configMap, ctx);
    await writeAtomically(dir, files);
    return { hostPath: dir, readOnly: true };
  }
  if (v.secret) throw new VolumeError(`secret "${v.secret.secretName ?? ""}" not found`);
  throw new VolumeError("volume type is not supported by this kubelet");
}

async function configMapFiles(
  source: NonNullable<Volume["configMap"]>,
  ctx: VolumeContext,
): Promise<ProjectedFile[]> {
  const name = source.name ?? "";
  let cm: ConfigMap | undefined;
  try {
    cm = await ctx.getConfigMap(ctx.pod.metadata?.namespace ?? "", name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (source.optional !== true) throw new VolumeError(`configmap "${name}" not found`);
  }
  const payload = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm?.data ?? {})) payload.set(k, Buffer.from(v, "utf8"));
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) payload.set(k, Buffer.from(v, "base64"));
  const defaultMode = source.defaultMode ?? 0o644;
  if (!source.items?.length) {
    return [...payload].map(([path, content]) => ({ path, content, mode: defaultMode }));
  }
  const files: ProjectedFile[] = [];
  for (const item of source.items) {
    const content = payload.get(item.key ?? "");
    if (content === undefined) {
      if (source.optional === true) continue;
      throw new VolumeError(`configmap references non-existent config key: ${item.key ?? ""}`);
    }
    files.push({ path: item.path ?? "", content, mode: item.mode ?? defaultMode });
  }
  return files;
}

/** hostPath's type check (hostPathTypeChecker), creating what *OrCreate asks for. */
async function checkHostPath(path: string, type: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  switch (type) {
    case "":
      return;
    case "DirectoryOrCreate":
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory())
        throw new VolumeError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case "Directory":
      if (!info?.isDirectory())
        throw new VolumeError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case "FileOrCreate":
      // As in Kubernetes, the parent directory must exist.
      if (!info) await (await open(path, "a", 0o644)).close();
      else if (!info.isFile()) throw new VolumeError(`hostPath type check failed: ${path} is not a file`);
      return;
    case "File":
      if (!info?.isFile()) throw new VolumeError(`hostPath type check failed: ${path} is not a file`);
      return;
    case "Socket":
      if (!info?.isSocket())
        throw new VolumeError(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case "CharDevice":
      if (!info?.isCharacterDevice())
        throw new VolumeError(`hostPath type check failed: ${path} is not a character device`);
      return;
    case "BlockDevice":
      if (!info?.isBlockDevice())
        throw new VolumeError(`hostPath type check failed: ${path} is not a block device`);
      return;
    default:
      throw new VolumeError(`invalid HostPathType ${JSON.stringify(type)}`);
  }
}

/**
 * The CRI mounts of a container's volumeMounts (makeMounts): the volume's
 * host path (joined with subPath, which is created inside the volume when
 * missing), read-only when the mount or the volume says so.
 */
export async function containerMounts(container: Container, volumes: PodVolumes): Promise<Mount[]> {
  const mounts: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const volume = volumes.get(m.name ?? "");
    if (!volume) {
      throw new VolumeError(
        `cannot find volume "${m.name ?? ""}" to mount into container "${container.name ?? ""}"`,
      );
    }
    let hostPath = volume.hostPath;
    if (m.subPath) {
      if (isAbsolute(m.subPath) || normalize(m.subPath).split("/").includes("..")) {
        throw new VolumeError(`error SubPath \`${m.subPath}\` must not be an absolute path or contain '..'`);
      }
      hostPath = join(volume.hostPath, m.subPath);
      const exists = await lstat(hostPath).catch(() => undefined);
      if (!exists) await mkdir(hostPath, { recursive: true, mode: 0o755 });
    }
    mounts.push({
      containerPath: m.mountPath ?? "",
      hostPath,
      readonly: m.readOnly === true || volume.readOnly,
      selinuxRelabel: false,
      propagation: "PROPAGATION_PRIVATE",
    });
  }
  return mounts;
}

/** Removes the pod's directory with its volumes (emptyDir data included); hostPath data is left alone. */
export async function tearDownVolumes(podsDir: string, uid: string): Promise<void> {
  if (!uid) return;
  await rm(podDir(podsDir, uid), { recursive: true, force: true });
}
