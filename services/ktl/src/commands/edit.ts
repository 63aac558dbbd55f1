/**
 * `ktl edit TYPE NAME`: opens the object as YAML in $KUBE_EDITOR / $EDITOR
 * (default vi), then sends what changed as a strategic merge patch; on a
 * server error the file is reopened with the error on top, as kubectl does,
 * until it applies or is left unchanged.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubernetesPatchMeta } from "@ktl/apimachinery";
import { parseManifests } from "../apply/manifests.js";
import { jsonEqual, threeWayMergePatch } from "../apply/three-way.js";
import type { Context } from "../cli/context.js";
import { CliError } from "../cli/errors.js";
import type { Command } from "../cli/registry.js";
import { serverErrorMessage } from "../cli/report.js";
import { kindPrefix } from "../client/discovery.js";
import { resourcePath } from "../client/paths.js";
import { ApiError } from "../client/rest.js";
import { resolveTargets, type Target } from "../client/targets.js";
import { toYaml } from "../printers/yaml.js";

const HEADER = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`;

function runEditor(ctx: Context, file: string): void {
  const editor = ctx.io.env.KUBE_EDITOR || ctx.io.env.EDITOR || "vi";
  const result = spawnSync("sh", ["-c", `${editor} "$1"`, "editor", file], {
    stdio: "inherit",
    env: ctx.io.env,
  });
  if (result.status !== 0) throw new CliError(`there was a problem with the editor "${editor}"`);
}

async function editOne(ctx: Context, target: Target, dir: string): Promise<void> {
  const path = resourcePath(target.resource, target.namespace, target.name);
  const original = {
    apiVersion: target.resource.groupVersion,
    kind: target.resource.kind,
    ...(await ctx.client().request<Record<string, unknown>>("GET", path)),
  };
  const file = join(dir, `${target.resource.resource}-${target.name ?? ""}.yaml`);
  let errorHeader = "";
  let previous = toYaml(original);
  for (;;) {
    writeFileSync(file, HEADER + errorHeader + previous);
    runEditor(ctx, file);
    const text = readFileSync(file, "utf8");
    const body = text
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("\n");
    if (body.trim() === "") throw new CliError("Edit cancelled, no changes made.");
    const [edited] = parseManifests(body, file);
    if (!edited || jsonEqual(edited.object, original)) {
      if (errorHeader) throw new CliError(`Edit cancelled, no valid changes were saved.`);
      ctx.out("Edit cancelled, no changes made.\n");
      return;
    }
    if (errorHeader && body === previous) throw new CliError(`Edit cancelled, no valid changes were saved.`);
    const patch = threeWayMergePatch(original, edited.object, original, kubernetesPatchMeta);
    try {
      await ctx
        .client()
        .request("PATCH", path, { body: patch, contentType: "application/strategic-merge-patch+json" });
      ctx.out(`${kindPrefix(target.resource)}/${target.name} edited\n`);
      return;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const message = serverErrorMessage(err);
      errorHeader = `# ${kindPrefix(target.resource)} "${target.name}" was not valid:\n# * ${message.replace(/\n/g, "\n# ")}\n#\n`;
      previous = body;
    }
  }
}

export const editCommand: Command = {
  path: ["edit"],
  summary: "Edit a resource on the server",
  usage: "ktl edit (RESOURCE/NAME | -f FILENAME) [flags]",
  flags: [{ name: "filename", short: "f", type: "strings", help: "Files identifying the resource to edit." }],
  run: async (ctx, args, flags) => {
    const targets = await resolveTargets(ctx, args, { filenames: flags.strings("filename"), verb: "edit" });
    const dir = mkdtempSync(join(tmpdir(), "ktl-edit-"));
    try {
      for (const t of targets) {
        if (t.name === undefined) throw new CliError("resource(s) were provided, but no name was specified");
        await editOne(ctx, t, dir);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
