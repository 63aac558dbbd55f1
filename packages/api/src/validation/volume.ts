/** Pod volumes and the containers' mounts of them. */
import { z } from "zod";
import {
  duplicate,
  fieldNotFound,
  forbiddenField,
  invalidValue,
  isDNS1123Label,
  required,
  type FieldError,
} from "@ktl/apimachinery";
import type { KeyToPath, Volume, VolumeMount } from "../gen/types.js";
import { child, index } from "./path.js";
import { addRule, bool, int, opt, requiredString, str } from "./schema.js";

const FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive";
/** HostPath types, sorted as Kubernetes lists them; "" means no check on the host. */
const HOST_PATH_TYPES = [
  "",
  "BlockDevice",
  "CharDevice",
  "Directory",
  "DirectoryOrCreate",
  "File",
  "FileOrCreate",
  "Socket",
];

const KeyToPathSchema = z.object({ key: opt(str()), path: opt(str()), mode: opt(int()) });

export const VolumeSchema = z.object({
  // Checked in validateVolumes: a bad name also keeps the volume out of the mountable set.
  name: opt(str()),
  hostPath: opt(
    z.object({
      path: requiredString(),
      type: opt(
        z.string().superRefine((v, ctx) => {
          if (!HOST_PATH_TYPES.includes(v)) addRule(ctx, { rule: "notSupported", values: HOST_PATH_TYPES });
        }),
      ),
    }),
  ),
  emptyDir: opt(z.object({ medium: opt(str()), sizeLimit: opt(str()) })),
  configMap: opt(
    z.object({
      name: opt(str()),
      items: opt(z.array(KeyToPathSchema)),
      defaultMode: opt(int()),
      optional: opt(bool()),
    }),
  ),
  secret: opt(
    z.object({
      secretName: opt(str()),
      items: opt(z.array(KeyToPathSchema)),
      defaultMode: opt(int()),
      optional: opt(bool()),
    }),
  ),
});

export const VolumeMountSchema = z.object({
  name: requiredString(),
  readOnly: opt(bool()),
  mountPath: requiredString(),
  subPath: opt(str()),
});

/** Validates the volumes and returns the names containers may mount. */
export function validateVolumes(
  volumes: Volume[],
  path: string,
): { names: Set<string>; errors: FieldError[] } {
  const names = new Set<string>();
  const errors: FieldError[] = [];
  volumes.forEach((vol, i) => {
    const idx = index(path, i);
    const namePath = child(idx, "name");
    const name = vol.name ?? "";
    const errs = validateVolumeSource(vol, idx);
    if (name === "") errs.push(required(namePath));
    else errs.push(...isDNS1123Label(name).map((msg) => invalidValue(namePath, name, msg)));
    if (names.has(name)) errs.push(duplicate(namePath, name));
    // Only a volume without errors can be mounted; others would add a confusing "Not found".
    if (errs.length === 0) names.add(name);
    errors.push(...errs);
  });
  return { names, errors };
}

/** Exactly one source: the first one set wins, later ones are forbidden. */
function validateVolumeSource(vol: Volume, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  const take = (source: string, check: () => FieldError[]): void => {
    if (count > 0) {
      errs.push(forbiddenField(child(path, source), "may not specify more than 1 volume type"));
    } else {
      count++;
      errs.push(...check());
    }
  };
  if (vol.emptyDir != null) take("emptyDir", () => []);
  if (vol.hostPath != null) {
    const hostPath = vol.hostPath;
    take("hostPath", () => validateNoBacksteps(hostPath.path ?? "", child(path, "hostPath", "path")));
  }
  if (vol.secret != null) {
    const src = vol.secret;
    take("secret", () => [
      ...(src.secretName ? [] : [required(child(path, "secret", "secretName"))]),
      ...validateProjection(src.defaultMode, src.items, child(path, "secret")),
    ]);
  }
  if (vol.configMap != null) {
    const src = vol.configMap;
    take("configMap", () => [
      ...(src.name ? [] : [required(child(path, "configMap", "name"))]),
      ...validateProjection(src.defaultMode, src.items, child(path, "configMap")),
    ]);
  }
  if (count === 0) errs.push(required(path, "must specify a volume type"));
  return errs;
}

function validateProjection(
  mode: number | undefined,
  items: KeyToPath[] | undefined,
  path: string,
): FieldError[] {
  const errs = validateFileMode(mode, child(path, "defaultMode"));
  (items ?? []).forEach((item, i) => {
    const p = index(child(path, "items"), i);
    if (!item.key) errs.push(required(child(p, "key")));
    if (!item.path) errs.push(required(child(p, "path")));
    errs.push(...validateLocalNonReservedPath(item.path ?? "", child(p, "path")));
    errs.push(...validateFileMode(item.mode, child(p, "mode")));
  });
  return errs;
}

function validateFileMode(mode: number | undefined, path: string): FieldError[] {
  return mode != null && (mode < 0 || mode > 0o777) ? [invalidValue(path, mode, FILE_MODE_ERROR)] : [];
}

function validateNoBacksteps(target: string, path: string): FieldError[] {
  return target.split("/").includes("..") ? [invalidValue(path, target, "must not contain '..'")] : [];
}

/** A relative path that stays inside the volume. */
function validateLocalDescendingPath(target: string, path: string): FieldError[] {
  const errs = target.startsWith("/") ? [invalidValue(path, target, "must be a relative path")] : [];
  return [...errs, ...validateNoBacksteps(target, path)];
}

function validateLocalNonReservedPath(target: string, path: string): FieldError[] {
  const errs = validateLocalDescendingPath(target, path);
  // "..data" and friends are where the kubelet keeps its atomic-writer bookkeeping.
  if (target.startsWith("..") && !target.startsWith("../"))
    errs.push(invalidValue(path, target, "must not start with '..'"));
  return errs;
}

/** Mounts must name a volume and use distinct mount paths. */
export function validateVolumeMounts(
  mounts: VolumeMount[],
  volumes: ReadonlySet<string>,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  mounts.forEach((mnt, i) => {
    const idx = index(path, i);
    const name = mnt.name ?? "";
    if (!volumes.has(name)) errs.push(fieldNotFound(child(idx, "name"), name));
    const mountPath = mnt.mountPath ?? "";
    if (mountPaths.has(mountPath))
      errs.push(invalidValue(child(idx, "mountPath"), mountPath, "must be unique"));
    mountPaths.add(mountPath);
    // Kubernetes names the list here, not the entry (its field path says volumeMounts.subPath).
    if (mnt.subPath) errs.push(...validateLocalDescendingPath(mnt.subPath, child(path, "subPath")));
  });
  return errs;
}
