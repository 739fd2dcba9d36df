#!/usr/bin/env bash
# Runs every test file with Node's test runner. Tests that need PostgreSQL or Chromium run when those are
# available (CI always provides both) and are skipped otherwise, with one notice line each.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CHARTBRIDGE_TEST_PG_URL:-}" ]; then
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export CHARTBRIDGE_TEST_PG_URL="postgres://postgres@127.0.0.1:5432/postgres"
  else
    echo "notice: PostgreSQL not reachable on 127.0.0.1:5432 — PostgreSQL tests are skipped (set CHARTBRIDGE_TEST_PG_URL)"
  fi
fi
if [ -z "${CHARTBRIDGE_TEST_CHROMIUM:-}" ]; then
  if [ -x /usr/bin/chromium ]; then
    export CHARTBRIDGE_TEST_CHROMIUM=/usr/bin/chromium
  else
    echo "notice: /usr/bin/chromium not found — browser tests are skipped (apt-get install chromium)"
  fi
fi

# Node 20 does not expand globs for --test, so the shell lists the files. A pattern narrows the run.
pattern="${1:-}"
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | grep -- "${pattern}" | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files match '${pattern}'" >&2
  exit 1
fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-3}" --test-reporter=spec "${files[@]}"
