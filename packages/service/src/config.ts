/**
 * Flag, environment and default resolution shared by every service: a flag
 * wins over `<PREFIX>_<NAME>` in the environment, which wins over the default.
 */
export function flagPicker(
  env: NodeJS.ProcessEnv,
  prefix: string,
): (flag: string | undefined, name: string, fallback: string) => string {
  return (flag, name, fallback) => flag ?? env[`${prefix}_${name}`] ?? fallback;
}

/** One error listing every invalid setting, followed by the usage text. */
export function configError(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  usage: string,
): Error {
  const problems = issues.map((i) => `  ${i.path.map(String).join(".")}: ${i.message}`).join("\n");
  return new Error(`invalid configuration:\n${problems}\n\n${usage}`);
}
