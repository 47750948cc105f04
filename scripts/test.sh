#!/usr/bin/env bash
# Runs every uvu test under test/ (TypeScript through tsx) and ends with the line CI reads:
# "N passed, N failed". uvu prints Total/Passed only, and nothing at all when a test file
# throws at import, which counts as a failure here.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
node --import tsx node_modules/uvu/bin.js test '\.test\.ts$' --no-color "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
total=$(awk '/^ +Total:/{print $2}' "$out")
passed=$(awk '/^ +Passed:/{print $2}' "$out")
if [ -z "$total" ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$passed passed, $((total - passed)) failed"
exit "$rc"
