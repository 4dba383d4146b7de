#!/usr/bin/env bash
# Runs RenderFarm's whole test suite (unit, service, real-ffmpeg media and fault tests) and prints
# "N passed, N failed" as its last line. Installs ffmpeg first when it is missing.
#
# The solution is built once; the test projects then run from that build (--no-build) in two lanes, the fault
# tests, the longest chain, in one of them. Each project writes TestResults/<project>.trx and
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
# Two lanes, as many as there are cores: the fault tests (real processes, kill -9, deadlines) in one, the other
# three projects one after another in the other.
run_project() {
  dotnet test "tests/$1" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$1.trx" --logger "console;verbosity=minimal" --results-directory "$results" \
    >"$results/$1.log" 2>&1
}
show_log() {
  # Minimal verbosity: each failure with its message and output, then the project's summary line.
  grep -v -E "^(Test run for|A total of|Results File:)" "$results/$1.log" | sed '/^\s*$/d' || true
}
projects=(RenderFarm.Fault.Tests RenderFarm.Coordinator.Tests RenderFarm.Agent.Tests RenderFarm.Cli.Tests)
run_project RenderFarm.Fault.Tests &
fault=$!
status=0
for project in "${projects[@]:1}"; do
  run_project "$project" || status=1
  show_log "$project"
done
wait "$fault" || status=1
show_log RenderFarm.Fault.Tests

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
