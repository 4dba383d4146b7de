#!/usr/bin/env bash
# PostgreSQL's own CPU per task for the least a dispatched task must change in the farm's tables, written set-based:
# claim (FOR UPDATE SKIP LOCKED), attempt insert and job start for B tasks per transaction, then attempt, task and
# job completion for B tasks per transaction. No reads beyond the claim, no notices, no coordinator: the floor a
# store could reach on this schema, to set against dispatch.sh's "database server CPU per task".
# It runs once with the state-count triggers (StateCounts) and once with them disabled, on the schema the coordinator
# itself creates, in a throw-away cluster (scripts/lib/ensure-postgres.sh).
# usage: scripts/bench/pg-floor.sh [tasks=20000] [batch=100]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
tasks=${1:-20000}
batch=${2:-100}
work=$(mktemp -d /tmp/rf-pg-floor-XXXX)
pg_dir=""
coordinator=0
cleanup() {
  [ "$coordinator" != 0 ] && kill "$coordinator" 2>/dev/null && wait "$coordinator" 2>/dev/null
  [ -n "$pg_dir" ] && scripts/lib/ensure-postgres.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT

scripts/lib/ensure-tools.sh >/dev/null
dotnet build coordinator -c Release -nologo -v quiet >/dev/null
pg=$(scripts/lib/ensure-postgres.sh start)
pg_server=$(echo "$pg" | head -1)
pg_dir=$(echo "$pg" | tail -1)
url="postgresql://farm@127.0.0.1:$(echo "$pg_server" | sed 's/.*Port=\([0-9]*\).*/\1/')/floor"
psql "${url%/floor}/postgres" -qc "CREATE DATABASE floor"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The coordinator migrates the database at start; once it listens, the schema is there.
mkdir -p "$work/data" "$work/media"
port=$(free_port)
Coordinator__Security__EnrollmentToken=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n') \
Coordinator__Security__BootstrapOperatorKey=$(head -c 32 /dev/urandom | base64 | tr -d '/+=\n') \
  dotnet "$repo/coordinator/bin/Release/net10.0/renderfarm-coordinator.dll" --Store:Provider=Postgres \
  "--Store:ConnectionString=${pg_server/Database=postgres/Database=floor}" --Coordinator:DataDirectory="$work/data" \
  --Coordinator:MediaRoots:media="$work/media" --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$port" \
  --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$(free_port)" >"$work/coordinator.log" 2>&1 &
coordinator=$!
for _ in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "the coordinator did not start; its log:" >&2; cat "$work/coordinator.log" >&2; exit 1; }
kill "$coordinator"; wait "$coordinator" 2>/dev/null || true
coordinator=0

# Tasks and jobs the size of the dispatch bench's (spec and work of a few hundred bytes), all QUEUED.
cat >"$work/load.sql" <<EOF
SET client_min_messages = warning;
TRUNCATE rf_attempt_logs, rf_attempts, rf_job_deps, rf_tasks, rf_jobs;
DELETE FROM rf_state_counts;
INSERT INTO rf_jobs (id, seq, spec, state, create_time)
  SELECT 'job-' || md5(g::text), g, repeat('s', 600), 2, 1 FROM generate_series(1, $tasks) g;
INSERT INTO rf_tasks (id, job_id, state, priority, seq, work, requirements, failed_attempts, lost_attempts, max_retries)
  SELECT 'task-' || md5(g::text), 'job-' || md5(g::text), 2, 0, g, repeat('w', 800), '{}', 0, 0, 3 FROM generate_series(1, $tasks) g;
ANALYZE rf_jobs; ANALYZE rf_tasks; ANALYZE rf_attempts;
CHECKPOINT;
EOF
# One session runs every transaction; its backend's CPU is read from /proc before and after.
{
  echo "SET client_min_messages = warning;"
  echo "CREATE TEMP TABLE claimed (id text, job_id text) ON COMMIT DELETE ROWS;"
  echo "SELECT pg_backend_pid() AS pid \\gset"
  echo "\\setenv PID :pid"
  echo "\\! awk '{print \"before\", \$14 + \$15}' /proc/\$PID/stat"
  for ((i = 0; i < tasks / batch; i++)); do
    cat <<EOF
BEGIN;
WITH q AS (SELECT id FROM rf_tasks WHERE state = 2 ORDER BY priority DESC, seq LIMIT $batch FOR UPDATE SKIP LOCKED),
u AS (UPDATE rf_tasks t SET state = 3 FROM q WHERE t.id = q.id RETURNING t.id, t.job_id)
INSERT INTO claimed SELECT * FROM u;
INSERT INTO rf_attempts (id, task_id, job_id, agent_id, outcome, start_time, lease_expiry, failure_class, exit_code)
  SELECT 'attempt-' || id, id, job_id, 'agent', 1, 1, 2, 0, 0 FROM claimed;
UPDATE rf_jobs SET state = 3, start_time = 5 WHERE id IN (SELECT job_id FROM claimed);
COMMIT;
EOF
  done
  for ((i = 0; i < tasks / batch; i++)); do
    range="generate_series($((i * batch + 1)), $(((i + 1) * batch))) g"
    cat <<EOF
BEGIN;
UPDATE rf_attempts SET outcome = 2, end_time = 9, frames = 1 WHERE id IN (SELECT 'attempt-task-' || md5(g::text) FROM $range);
UPDATE rf_tasks SET state = 5 WHERE id IN (SELECT 'task-' || md5(g::text) FROM $range);
UPDATE rf_jobs SET state = 4, end_time = 9, result = '{"sha256":"0"}' WHERE id IN (SELECT 'job-' || md5(g::text) FROM $range);
COMMIT;
EOF
  done
  echo "\\! awk '{print \"after\", \$14 + \$15}' /proc/\$PID/stat"
} >"$work/run.sql"

ticks=$(getconf CLK_TCK)
run() {
  psql "$url" -q -f "$work/load.sql"
  sleep 1
  local out before after done
  out=$(psql "$url" -q -f "$work/run.sql")
  before=$(echo "$out" | awk '/^before/ {print $2}')
  after=$(echo "$out" | awk '/^after/ {print $2}')
  done=$(psql "$url" -qAtc "SELECT count(*) FROM rf_tasks WHERE state = 5")
  [ "$done" = "$tasks" ] || { echo "only $done of $tasks tasks ended SUCCEEDED" >&2; exit 1; }
  awk -v t="$((after - before))" -v hz="$ticks" -v n="$tasks" -v what="$1" \
    'BEGIN { printf "%s: %.3f ms of PostgreSQL backend CPU per task (%.2f s for %d tasks)\n", what, 1000 * t / hz / n, t / hz, n }'
}
echo "machine: $(nproc) cores; $tasks tasks, $batch per transaction (load $(cut -d' ' -f1-3 /proc/loadavg))"
run "with the state-count triggers"
psql "$url" -qc "ALTER TABLE rf_tasks DISABLE TRIGGER USER; ALTER TABLE rf_jobs DISABLE TRIGGER USER"
run "without them"
