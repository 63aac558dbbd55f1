#!/usr/bin/env bash
# Brings up what exists of the local cluster on this machine: etcd, the
# apiserver, the controller-manager and the scheduler on loopback, with data, logs and pid files under $KTL_HOME
# (default ~/.ktl), and a kubeconfig for kubectl. Installs what is missing
# first. `scripts/down.sh` stops what this started, by pid.
# (`ktl cluster up` replaces this script once the ktl CLI lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
KTL_HOME=${KTL_HOME:-$HOME/.ktl}
ETCD_PORT=${KTL_ETCD_PORT:-2379}
API_PORT=${KTL_API_PORT:-8080}
GRPC_PORT=${KTL_GRPC_PORT:-8081}
mkdir -p "$KTL_HOME"/{etcd,logs,run}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if running "$KTL_HOME/run/apiserver.pid"; then
  echo "the cluster is already running (apiserver pid $(cat "$KTL_HOME/run/apiserver.pid")); nothing to do"
  exit 0
fi

bash scripts/install-deps.sh
pnpm build

if ! running "$KTL_HOME/run/etcd.pid"; then
  echo "starting etcd on 127.0.0.1:$ETCD_PORT"
  nohup etcd --name ktl --data-dir "$KTL_HOME/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "ktl=http://127.0.0.1:$((ETCD_PORT + 1))" --log-level warn --logger zap \
    >"$KTL_HOME/logs/etcd.log" 2>&1 &
  echo $! >"$KTL_HOME/run/etcd.pid"
fi

echo "starting the apiserver on 127.0.0.1:$API_PORT (gRPC $GRPC_PORT)"
nohup node services/apiserver/dist/main.js --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --port "$API_PORT" --grpc-port "$GRPC_PORT" >"$KTL_HOME/logs/apiserver.log" 2>&1 &
echo $! >"$KTL_HOME/run/apiserver.pid"

cat >"$KTL_HOME/kubeconfig" <<CONF
apiVersion: v1
kind: Config
clusters:
- name: ktl
  cluster:
    server: http://127.0.0.1:$API_PORT
contexts:
- name: ktl
  context:
    cluster: ktl
    user: ktl
    namespace: default
users:
- name: ktl
  user: {}
current-context: ktl
CONF

printf "waiting for the apiserver"
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1; then
    echo " ready"
    echo "starting the controller-manager"
    nohup node services/controller-manager/dist/main.js --apiserver "127.0.0.1:$GRPC_PORT" \
      --health-port "${KTL_CM_PORT:-10257}" >"$KTL_HOME/logs/controller-manager.log" 2>&1 &
    echo $! >"$KTL_HOME/run/controller-manager.pid"
    echo "starting the scheduler"
    nohup node services/scheduler/dist/main.js --apiserver "127.0.0.1:$GRPC_PORT" \
      --health-port "${KTL_SCHEDULER_PORT:-10259}" >"$KTL_HOME/logs/scheduler.log" 2>&1 &
    echo $! >"$KTL_HOME/run/scheduler.pid"
    echo
    echo "  apiserver   http://127.0.0.1:$API_PORT   (gRPC 127.0.0.1:$GRPC_PORT)"
    echo "  controller-manager  /metrics on http://127.0.0.1:${KTL_CM_PORT:-10257}"
    echo "  scheduler   /metrics on http://127.0.0.1:${KTL_SCHEDULER_PORT:-10259}"
    echo "  etcd        http://127.0.0.1:$ETCD_PORT"
    echo "  logs        $KTL_HOME/logs"
    echo
    echo "  export KUBECONFIG=$KTL_HOME/kubeconfig"
    echo "  kubectl get ns"
    exit 0
  fi
  printf "."
  sleep 0.2
done
echo " the apiserver did not become ready; see $KTL_HOME/logs/apiserver.log" >&2
exit 1
