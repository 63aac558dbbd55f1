/**
 * Reading manifests for -f: files, directories (-R recurses), `-` for stdin
 * and URLs are not supported. Multi-document YAML and JSON; `kind: List`
 * is flattened. Errors name the file, the document (1-based) and the line.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { CliError } from "../cli/errors.js";

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; generateName?: string; [key: string]: unknown };
};

export interface Manifest {
  readonly object: KubeObject;
  /** The file as given on the command line ("STDIN" for -). */
  readonly source: string;
  /** 1-based position of the document in its file. */
  readonly document: number;
}

const EXTENSIONS = [".yaml", ".yml", ".json"];

/** Files named by -f, expanding directories (their .yaml/.yml/.json files; subdirectories with -R). */
export function expandPaths(paths: readonly string[], recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive) walk(full);
      } else if (EXTENSIONS.some((e) => entry.name.endsWith(e))) out.push(full);
    }
  };
  for (const path of paths) {
    if (path === "-") {
      out.push(path);
      continue;
    }
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new CliError(`the path "${path}" does not exist`);
    }
    if (stat.isDirectory()) walk(path);
    else out.push(path);
  }
  return out;
}

/** Parses one file's text into its objects; throws CliError naming file, document and line. */
export function parseManifests(text: string, source: string): Manifest[] {
  const out: Manifest[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const document = i + 1;
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line ?? lineOf(text, error.pos[0]);
      const message = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      throw new CliError(
        `error parsing ${source}: document ${document}${line !== undefined ? `, line ${line}` : ""}: ${message}`,
      );
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (typeof value !== "object" || Array.isArray(value)) {
      const line = doc.contents?.range ? lineOf(text, doc.contents.range[0]) : undefined;
      throw new CliError(
        `error parsing ${source}: document ${document}${line !== undefined ? `, line ${line}` : ""}: expected an object, got ${Array.isArray(value) ? "a list" : typeof value}`,
      );
    }
    const object = value as KubeObject;
    for (const item of flatten(object)) {
      validate(item, source, document, doc.contents?.range ? lineOf(text, doc.contents.range[0]) : undefined);
      out.push({ object: item, source, document });
    }
  });
  return out;
}

function flatten(object: KubeObject): KubeObject[] {
  if (typeof object.kind === "string" && object.kind.endsWith("List") && Array.isArray(object.items))
    return (object.items as KubeObject[]).flatMap(flatten);
  return [object];
}

function validate(object: KubeObject, source: string, document: number, line: number | undefined): void {
  const missing = [!object.apiVersion && "apiVersion not set", !object.kind && "kind not set"].filter(
    Boolean,
  );
  if (missing.length > 0)
    throw new CliError(
      `error validating "${source}": document ${document}${line !== undefined ? `, line ${line}` : ""}: error validating data: [${missing.join(", ")}]`,
    );
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Reads every -f path (stdin for "-"). */
export async function readManifests(
  paths: readonly string[],
  recursive: boolean,
  stdin: NodeJS.ReadableStream,
): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const file of expandPaths(paths, recursive)) {
    const text = file === "-" ? await readAll(stdin) : readFileSync(file, "utf8");
    out.push(...parseManifests(text, file === "-" ? "STDIN" : file));
  }
  return out;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}
