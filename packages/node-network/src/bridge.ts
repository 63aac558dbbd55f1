import { run } from "./run.js";

/**
 * Deletes a node's bridge. The CNI bridge plugin creates it on the first pod
 * and never removes it, so a node's teardown does. Absent bridges are fine.
 */
export async function deleteBridge(bridgeName: string): Promise<void> {
  try {
    await run("ip", ["link", "show", "dev", bridgeName]);
  } catch {
    return;
  }
  await run("ip", ["link", "delete", "dev", bridgeName, "type", "bridge"]);
}
