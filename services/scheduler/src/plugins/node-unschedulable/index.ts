/** NodeUnschedulable: cordoned nodes take only pods tolerating the unschedulable taint. */
import type { Pod, Taint } from "@ktl/api";
import { SUCCESS, unresolvable } from "../../framework/interface.js";
import type { CycleState, FilterPlugin, NodeInfo } from "../../framework/interface.js";
import { tolerationsTolerateTaint } from "../taint-toleration/taints.js";

export const NAME = "NodeUnschedulable";
export const ERR_REASON = "node(s) were unschedulable";
/** The taint a cordoned node is treated as having (v1.TaintNodeUnschedulable, NoSchedule). */
export const UNSCHEDULABLE_TAINT: Taint = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

export function create() {
  return {
    name: NAME,
    sign: (pod: Pod) => JSON.stringify(pod.spec?.tolerations ?? []),
    filter(_state: CycleState, pod: Pod, node: NodeInfo) {
      if (!node.unschedulable) return SUCCESS;
      if (tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT)) return SUCCESS;
      return unresolvable(ERR_REASON);
    },
  } satisfies FilterPlugin;
}
