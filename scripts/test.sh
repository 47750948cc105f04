#!/usr/bin/env bash
# Runs every uvu test under test/ (TypeScript through tsx) and ends with the line CI reads:
# "N passed, N failed". uvu prints Total/Passed only, and nothing at all when a test file
# throws at import, which counts as a failure here.
set -uo pipefail
cd "$(dirname "$0")/.."
# Everything the tests put in the temp dir (os.tmpdir(), theirs and their children's) goes in one
# directory of this run, removed at the end: a test that fails midway leaves nothing in /tmp.
# 1777 like /tmp itself: the PostgreSQL cluster runs as the postgres user below it.
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/crowd-test-run.XXXXXX")
chmod 1777 "$run_tmp"
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR="$run_tmp"
out="$run_tmp/uvu.out"
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
