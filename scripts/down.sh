#!/usr/bin/env bash
# Stops what scripts/up.sh started, by the pids it recorded. --purge also deletes the data.
set -euo pipefail
KTL_HOME=${KTL_HOME:-$HOME/.ktl}
for name in scheduler controller-manager apiserver etcd; do
  pidfile="$KTL_HOME/run/$name.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 1 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
    echo "stopped $name"
  fi
  rm -f "$pidfile"
done
if [ "${1:-}" = "--purge" ]; then rm -rf "$KTL_HOME"; echo "deleted $KTL_HOME"; fi
