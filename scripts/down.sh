#!/usr/bin/env bash
# Stops the local cluster that scripts/up.sh started (`ktl cluster down`) and
# cleans up after it; --purge also deletes its data under $KTL_HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node services/ktl/dist/main.js cluster down "$@"
