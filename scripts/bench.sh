#!/usr/bin/env bash
# `npm run bench <name> [args]` runs bench/<name>.ts; `npm run bench` lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  echo "usage: npm run bench <name> — available:"; ls bench/*.ts 2>/dev/null | sed 's#bench/\(.*\)\.ts#  \1#'
  exit 2
fi
name="$1"; shift
exec node --expose-gc --import tsx "bench/${name}.ts" "$@"
