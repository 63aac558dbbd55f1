/** The lines `cluster up` ends with: where everything is and how to use it. */
import { containerdComponent, kubeletComponent, kubeProxyComponent } from "./components.js";
import type { ClusterPaths } from "./home.js";
import { nodeSpecs, type ClusterSettings } from "./settings.js";
import type { ClusterState } from "./state.js";

export function summary(paths: ClusterPaths, settings: ClusterSettings, state: ClusterState): string[] {
  const a = state.addresses;
  const row = (name: string, text: string): string => `  ${name.padEnd(20)} ${text}`;
  const nodes = nodeSpecs(settings);
  return [
    "",
    `the cluster is up: ${nodes.length} node${nodes.length === 1 ? "" : "s"} Ready`,
    row("etcd", a.etcd),
    row("nats", `${a.nats} (JetStream; monitoring ${a.natsMonitor})`),
    row("registry", `${a.registry} (push with: ktl image push FILE)`),
    row("apiserver", `${a.apiserver} (gRPC ${a.apiserverGrpc})`),
    row("controller-manager", `${a.controllerManager} (pods in ${settings.clusterCidr})`),
    row("scheduler", a.scheduler),
    ...nodes.map((n) =>
      row(
        n.name,
        `kubelet ${kubeletComponent(paths, settings, n).address}, kube-proxy ${kubeProxyComponent(settings, n).address}, containerd ${containerdComponent(paths, n).address}`,
      ),
    ),
    row("data and logs", `${paths.home} (logs: ktl cluster logs COMPONENT)`),
    "",
    `  export KUBECONFIG=${paths.kubeconfig}`,
    "  kubectl get nodes",
  ];
}
