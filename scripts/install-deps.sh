#!/usr/bin/env bash
# Installs what the project needs on a Debian-like machine: the external
# binaries (etcd, NATS, containerd + runc, CNI plugins, the image registry,
# busybox-static, nftables, iproute2) from Debian's packages, pnpm, and the
# node modules.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
command -v nats-server >/dev/null 2>&1 || need_apt+=(nats-server)
command -v containerd >/dev/null 2>&1 || need_apt+=(containerd)
command -v runc >/dev/null 2>&1 || need_apt+=(runc)
[ -x /usr/lib/cni/bridge ] || need_apt+=(containernetworking-plugins)
command -v docker-registry >/dev/null 2>&1 || need_apt+=(docker-registry)
[ -x /bin/busybox ] || need_apt+=(busybox-static)
command -v nft >/dev/null 2>&1 || need_apt+=(nftables)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
if [ ${#need_apt[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: missing ${need_apt[*]} and this is not a Debian-like system (no apt-get); install them by hand" >&2
    exit 1
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "error: missing ${need_apt[*]}; run as root (or: sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
  echo "installing Debian packages: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "installing pnpm"
  npm install -g pnpm@9 >/dev/null
fi

pnpm install --frozen-lockfile
