#!/usr/bin/env bash
# Runs RenderFarm's whole test suite (unit, service and real-ffmpeg media tests) and prints
# "N passed, N failed" as its last line. Installs ffmpeg first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/lib/ensure-tools.sh
dotnet build RenderFarm.sln -c Release -nologo -v quiet

# A throw-away PostgreSQL for the tests that run the farm on it (store contract, several coordinators).
pg=$(scripts/lib/ensure-postgres.sh start)
export RENDERFARM_TEST_POSTGRES=$(echo "$pg" | head -1)
pg_dir=$(echo "$pg" | tail -1)
trap 'scripts/lib/ensure-postgres.sh stop "$pg_dir"' EXIT

results=TestResults
rm -rf "$results"
status=0
dotnet test RenderFarm.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(echo "$counters" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*')
  f=$(echo "$counters" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
  passed=$((passed + p))
  failed=$((failed + f))
done

if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "no test results were found in $results" >&2
  status=1
fi
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed"
exit "$status"
