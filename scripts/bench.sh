#!/usr/bin/env bash
# `npm run bench <name> [args]` runs bench/<name>.ts; `npm run bench` lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  echo "usage: npm run bench <name> — available:"; ls bench/*.ts 2>/dev/null | sed 's#bench/\(.*\)\.ts#  \1#'
  exit 2
fi
name="$1"; shift
# bench:sync compares with fhirclient, which only the benchmarks install (bench/package.json): once, on first use.
if [ "$name" = sync ] && [ ! -d bench/node_modules/fhirclient ]; then
  echo "bench: installing the benchmark-only dependencies (bench/package.json), once" >&2
  npm ci --prefix bench --ignore-scripts --no-audit --no-fund >&2
fi
exec node --expose-gc --import tsx "bench/${name}.ts" "$@"
