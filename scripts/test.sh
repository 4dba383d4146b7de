#!/usr/bin/env bash
# Runs RenderFarm's whole test suite (unit, service, real-ffmpeg media and fault tests) and prints
# "N passed, N failed" as its last line. Installs ffmpeg first when it is missing.
#
# The solution is built once; the four test projects then run side by side from that build (--no-build), the
# fault tests first since they are the longest chain. Each project writes TestResults/<project>.trx and
# TestResults/<project>.log; the counts come from the .trx files.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/lib/ensure-tools.sh

# A throw-away PostgreSQL for the tests that run the farm on it (store contract, several coordinators), started
# while the solution builds.
pg_out=$(mktemp)
scripts/lib/ensure-postgres.sh start >"$pg_out" &
pg_start=$!
pg_dir=""
cleanup() {
  wait "$pg_start" 2>/dev/null || true
  [ -z "$pg_dir" ] && pg_dir=$(sed -n 2p "$pg_out" 2>/dev/null || true)
  [ -n "$pg_dir" ] && scripts/lib/ensure-postgres.sh stop "$pg_dir"
  rm -f "$pg_out"
}
trap cleanup EXIT

dotnet build RenderFarm.sln -c Release -nologo -v quiet

wait "$pg_start" || { echo "could not start PostgreSQL for the tests" >&2; exit 1; }
pg_dir=$(sed -n 2p "$pg_out")
export RENDERFARM_TEST_POSTGRES=$(sed -n 1p "$pg_out")

results=TestResults
rm -rf "$results"
mkdir -p "$results"
projects=(RenderFarm.Fault.Tests RenderFarm.Coordinator.Tests RenderFarm.Agent.Tests RenderFarm.Cli.Tests)
pids=()
for project in "${projects[@]}"; do
  dotnet test "tests/$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$project.trx" --logger "console;verbosity=minimal" --results-directory "$results" \
    >"$results/$project.log" 2>&1 &
  pids+=($!)
done

status=0
for i in "${!projects[@]}"; do
  wait "${pids[$i]}" || status=1
  # Minimal verbosity: each failure with its message and output, then the project's summary line.
  grep -v -E "^(Test run for|A total of|Results File:)" "$results/${projects[$i]}.log" | sed '/^\s*$/d' || true
done

passed=0
failed=0
for project in "${projects[@]}"; do
  trx="$results/$project.trx"
  if [ ! -f "$trx" ]; then
    echo "$project wrote no test results (see $results/$project.log)" >&2
    status=1
    continue
  fi
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
