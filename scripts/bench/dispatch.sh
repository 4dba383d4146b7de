#!/usr/bin/env bash
# Dispatch load: a coordinator and N simulated agents (real Connect streams that complete no-op tasks at once),
# on SQLite and on PostgreSQL. For each store it prints dispatch throughput (tasks/s) while N agents drain a
# queue of M tiny jobs, submit-to-start latency with idle agents (1,000 samples: p50/p90/p99/max, each split at the
# SubmitJob answer, the slowest with their offsets, CPU second by second), the coordinator's CPU (and PostgreSQL's:
# the postmaster and its backends, per task drained), then with
# every agent holding a task and Q more jobs queued: ListJobs / GetQueueStats p99 and the coordinator's memory.
# usage: scripts/bench/dispatch.sh [agents=1000] [jobs=20000] [queue_jobs=100000] [stores="sqlite postgres"]
# With RENDERFARM_PG_STATEMENTS=N, PostgreSQL loads pg_stat_statements (nested statements too, so trigger
# bodies count) and the N statements with the most server time during the drain, and during the submit-to-start
# phase, are printed after its figures.
# RENDERFARM_BENCH_COORDINATOR=path/to/renderfarm-coordinator.dll runs another build of the coordinator (to compare two
# builds on the same machine state); the default is this tree's Release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
agents=${1:-1000}
jobs=${2:-20000}
queue_jobs=${3:-100000}
stores=${4:-sqlite postgres}
work=$(mktemp -d /tmp/rf-dispatch-XXXX)
pids=()
pg_dir=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "$pg_dir" ] && scripts/lib/ensure-postgres.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT

scripts/lib/ensure-tools.sh >/dev/null
# With RENDERFARM_BENCH_COORDINATOR the caller has built what it compares; only the load simulator is built here.
if [ -n "${RENDERFARM_BENCH_COORDINATOR:-}" ]; then
  [ -f tests/RenderFarm.LoadSim/bin/Release/net10.0/renderfarm-loadsim.dll ] || dotnet build tests/RenderFarm.LoadSim -c Release -nologo -v quiet >/dev/null
else
  dotnet build RenderFarm.sln -c Release -nologo -v quiet >/dev/null
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
echo "machine: $(nproc) cores; $agents agents, $jobs jobs to drain, $queue_jobs jobs queued for the read test" >&2

for store in $stores; do
  dir="$work/$store"
  mkdir -p "$dir/media" "$dir/data"
  store_args=()
  db_pid=0
  if [ "$store" = postgres ]; then
    if [ -z "$pg_dir" ]; then
      [ -n "${RENDERFARM_PG_STATEMENTS:-}" ] && export RENDERFARM_PG_OPTIONS="${RENDERFARM_PG_OPTIONS:-} -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
      pg=$(scripts/lib/ensure-postgres.sh start)
      pg_server=$(echo "$pg" | head -1)
      pg_dir=$(echo "$pg" | tail -1)
    fi
    db="bench_$RANDOM"
    pg_url="postgresql://farm@127.0.0.1:$(echo "$pg_server" | sed 's/.*Port=\([0-9]*\).*/\1/')"
    psql "$pg_url/postgres" -qc "CREATE DATABASE $db"
    [ -n "${RENDERFARM_PG_STATEMENTS:-}" ] && psql "$pg_url/$db" -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
    db_pid=$(head -1 "$pg_dir/data/postmaster.pid" 2>/dev/null || echo 0)
    store_args=(--Store:Provider=Postgres "--Store:ConnectionString=${pg_server/Database=postgres/Database=$db}")
  fi
  port=$(free_port)
  # Access: a fresh enrollment token for the simulated agents and an operator key for submissions (never printed);
  # request limits raised so the harness measures dispatch, not its own throttling.
  Coordinator__Security__EnrollmentToken=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
  Coordinator__Security__BootstrapOperatorKey=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n')
  export Coordinator__Security__EnrollmentToken Coordinator__Security__BootstrapOperatorKey
  export Agent__EnrollmentToken="$Coordinator__Security__EnrollmentToken" RENDERFARM_API_KEY="$Coordinator__Security__BootstrapOperatorKey"
  dotnet "${RENDERFARM_BENCH_COORDINATOR:-$repo/coordinator/bin/Release/net10.0/renderfarm-coordinator.dll}" \
    --Coordinator:Security:RequestsPerSecond=100000 --Coordinator:Security:RequestBurst=100000 \
    --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$port" --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$(free_port)" \
    --Coordinator:DataDirectory="$dir/data" --Coordinator:MediaRoots:media="$dir/media" \
    --Logging:LogLevel:Default=Warning "${store_args[@]}" >"$dir/coordinator.log" 2>&1 &
  coordinator=$!
  pids+=("$coordinator")
  for _ in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
  sleep 1
  echo "== $store ==  (load before: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  dotnet "$repo/tests/RenderFarm.LoadSim/bin/Release/net10.0/renderfarm-loadsim.dll" \
    --coordinator "http://127.0.0.1:$port" --pid "$coordinator" --db-pid "$db_pid" --media "$dir/media" \
    --agents "$agents" --jobs "$jobs" --queue-jobs "$queue_jobs" | tee "$dir/results.txt" | while IFS= read -r line; do
      echo "$store $line"
      # Statements are counted over the drain alone: from the agents' connection to the last task done.
      if [ "$store" = postgres ] && [ -n "${RENDERFARM_PG_STATEMENTS:-}" ]; then
        case "$line" in
          agents_connected=*) psql "$pg_url/$db" -qAtc "SELECT pg_stat_statements_reset()" >/dev/null ;;
          drain_time=*) psql "$pg_url/$db" -qc "CREATE TABLE bench_drain_statements AS SELECT * FROM pg_stat_statements; SELECT pg_stat_statements_reset()" >/dev/null ;;
          submit_to_start_worst=*) psql "$pg_url/$db" -qc "CREATE TABLE bench_latency_statements AS SELECT * FROM pg_stat_statements" ;;
        esac
      fi
    done
  echo "load=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$dir/results.txt"
  if [ "$store" = postgres ] && [ -n "${RENDERFARM_PG_STATEMENTS:-}" ]; then
    for phase in drain latency; do
      echo "-- PostgreSQL statements by server time (ms) during the $phase phase --" >&2
      psql "$pg_url/$db" -P pager=off -c "SELECT round(total_exec_time::numeric, 0) AS total_ms, calls, round((total_exec_time / calls)::numeric, 4) AS ms_per_call,
        rows, toplevel AS top, left(regexp_replace(query, '\s+', ' ', 'g'), 150) AS query
        FROM bench_${phase}_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT ${RENDERFARM_PG_STATEMENTS}" >&2
    done
  fi
  kill "$coordinator" 2>/dev/null || true
  wait "$coordinator" 2>/dev/null || true
done

# One table, a column per store (the figures above, side by side).
echo
printf '%-22s' figure; for store in $stores; do printf ' | %-48s' "$store"; done; echo
for key in agents_connected submit_rate submit_cpu dispatch_rate coordinator_cpu dispatch_cpu dispatch_cpu_warm loadsim_cpu dispatch_db_cpu submit_to_start_p50 submit_to_start_p90 submit_to_start_p99 submit_to_start_max \
  queue_submit_rate queue_submit_cpu queued_jobs list_jobs_p99 list_queued_jobs_p99 queue_stats_p99 coordinator_rss coordinator_peak_rss load; do
  printf '%-22s' "$key"
  for store in $stores; do
    value=$(grep -m1 "^$key=" "$work/$store/results.txt" 2>/dev/null | cut -d= -f2- | sed 's/ of coordinator CPU//; s/ of load-simulator CPU//; s/ of database server CPU//; s/ (assign + complete)//; s/ in the second half of the drain//' || true)
    printf ' | %-48s' "${value:--}"
  done
  echo
done
