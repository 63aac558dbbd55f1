#!/usr/bin/env bash
# Brings up a local ktl cluster on this machine: installs what is missing
# (scripts/install-deps.sh), builds the monorepo, puts `ktl` on PATH and runs
# `ktl cluster up` with this script's arguments (e.g. --nodes 3). Everything
# lives under $KTL_HOME (default ~/.ktl); `scripts/down.sh` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
pnpm build

ktl="$(pwd)/services/ktl/dist/main.js"
chmod +x "$ktl"
link=/usr/local/bin/ktl
if [ "$(id -u)" = 0 ] && { [ ! -e "$link" ] || [ -L "$link" ]; }; then
  ln -sfn "$ktl" "$link"
  echo "ktl is on PATH: $link -> $ktl"
elif [ "$(readlink "$link" 2>/dev/null || true)" != "$ktl" ]; then
  echo "to put ktl on PATH: sudo ln -sfn $ktl $link   (or: alias ktl='node $ktl')"
fi

exec node "$ktl" cluster up "$@"
