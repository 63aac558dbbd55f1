// One command runner for the node's tools (nft, ip, sysctl): @ktl/node-network's.
import type { runCommand } from "@ktl/node-network";

export { run, runCommand, type RunResult } from "@ktl/node-network";

export type Runner = typeof runCommand;
